// Entry point: open (and migrate) the database, serve the API on HOST:PORT (PORT=0: any free port).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from './db/client.ts';
import { writeStats } from './db/tx.ts';
import { createApp } from './app.ts';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);

const db = await openDatabase();
const app = createApp(db);
const server = createServer(app);
server.listen(port, host, () => {
  const { port: bound } = server.address() as AddressInfo;
  console.log(JSON.stringify({ level: 'info', msg: 'placement-graphql listening', url: `http://${host}:${bound}/graphql`, database: db.kind }));
});

const stop = () => {
  server.close(async () => {
    await db.close();
    console.log(JSON.stringify({ level: 'info', msg: 'stopped', writeRetries: writeStats.retries }));
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
