// Settings (src/config.ts): each declared, defaulted and validated once, documented for operators,
// and a value that does not parse is one line naming the setting (the server then stops: start.test.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, settingNames } from '../src/config.ts';

describe('settings', () => {
  it('are each documented in README.md or SECURITY.md', () => {
    const docs = ['../README.md', '../SECURITY.md'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8')).join('\n');
    expect(settingNames().filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });

  it('default to what the README says for the database and the listener', () => {
    const { database, databaseUrl, server } = configFromEnv({});
    expect(databaseUrl).toBe('file:./data/placement.db');
    expect(database).toEqual({ poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: { sqlite: 30_000, postgres: 5_000 }, writeRetries: 10, worldCache: true, changeLogKeep: 10_000 });
    expect(server).toEqual({ host: '127.0.0.1', port: 8080, logRequests: true });
    expect(configFromEnv({ PLACEMENT_DB_CONNECT_TIMEOUT_MS: '1000' }).database.connectTimeoutMs).toEqual({ sqlite: 1000, postgres: 1000 });
  });

  it.each([
    ['PLACEMENT_DB_POOL_SIZE', 'abc', 'expected a whole number'],
    ['PLACEMENT_CHANGE_LOG_KEEP', '0', 'must be at least 1'],
    ['PORT', '70000', 'must be at most 65535'],
    ['PLACEMENT_WORLD_CACHE', 'yes', expect.stringContaining('"on"')],
    ['LIMIT_DEPTH', '-1', expect.any(String)],
  ])('%s=%s is refused in one line naming it', (name, value, why) => {
    let thrown: unknown;
    try {
      configFromEnv({ [name]: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    expect(message).not.toContain('\n');
    expect(message.split(': ')[0]).toBe(`invalid setting ${name}`);
    expect(message.slice(`invalid setting ${name}: `.length)).toEqual(why);
  });
});
