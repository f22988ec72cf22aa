// Several server processes on one PostgreSQL schema, as a cloud runs them behind a load balancer.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Replica {
  url: string;
  process: ChildProcess;
  /** Everything the process printed, for the stop line with its retry count. */
  output: string[];
}

export async function startReplica(databaseUrl: string, env: Record<string, string> = {}): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', TEST_DB: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start: ${output.join('')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const m = /"url":"([^"]+)"/.exec(output.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    child.on('exit', (code) => reject(new Error(`replica exited with ${code}: ${output.join('')}`)));
  });
  return { url, process: child, output };
}

/** Stops a replica gracefully; returns the write retries it reported. */
export async function stopReplica(r: Replica): Promise<number> {
  if (r.process.exitCode !== null || r.process.signalCode !== null) return 0;
  const exited = new Promise((resolve) => r.process.on('exit', resolve));
  r.process.kill('SIGTERM');
  await exited;
  const m = /"writeRetries":(\d+)/.exec(r.output.join(''));
  return m ? Number(m[1]) : 0;
}

/** One GraphQL request over real HTTP; network failures come back as the code NETWORK. */
export async function post(url: string, query: string, variables?: Record<string, unknown>): Promise<{ code: string; data?: any }> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as any;
    if (body.errors) return { code: body.errors[0]?.extensions?.code ?? 'UNKNOWN' };
    return { code: 'OK', data: body.data };
  } catch {
    return { code: 'NETWORK' };
  }
}
