// Entry point: open (and migrate) the database, serve the API on HOST:PORT.
import { createServer } from 'node:http';
import { openDatabase } from './db/client.ts';
import { createApp } from './app.ts';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);

const db = await openDatabase();
const app = createApp(db);
const server = createServer(app);
server.listen(port, host, () => {
  console.log(JSON.stringify({ level: 'info', msg: 'placement-graphql listening', url: `http://${host}:${port}/graphql` }));
});

const stop = () => {
  server.close(async () => {
    await db.close();
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
