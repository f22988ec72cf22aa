// The bench's HTTP client for measured calls, the same for both servers: node:http over kept-alive
// connections. fetch (undici) costs about a millisecond more per call on this machine, which for
// answers that take a few milliseconds is a good part of what would be measured.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpAnswer {
  status: number;
  text: string;
}

export function httpRequest(url: string, method: string, headers: Record<string, string>, body?: string, retried = false): Promise<HttpAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // A kept-alive socket the server closed as idle just as it was reused: the request never
    // reached the server, so sending it again on a new socket is safe (Node's documented pattern).
    req.on('error', (e: NodeJS.ErrnoException) => (req.reusedSocket && e.code === 'ECONNRESET' && !retried ? httpRequest(url, method, headers, body, true).then(resolve, reject) : reject(e)));
    req.end(body);
  });
}

/** Lets the process exit once the bench is done. */
export const closeConnections = () => agent.destroy();
