// AUTH=none is allowed only on loopback (src/auth/loopback.ts): a HOST counts as loopback when every
// address it resolves to is in 127.0.0.0/8 or ::1, whatever its name looks like.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, type Resolve } from '../src/auth/loopback.ts';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', 'localhost'])('accepts %s', async (host) => {
    expect(await isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '10.0.0.1', '192.0.2.7', '127.evil.example'])('refuses %s', async (host) => {
    expect(await isLoopbackHost(host)).toBe(false);
  });

  it('judges a name by every address it resolves to, not by how it looks', async () => {
    const dns: Record<string, { address: string; family: number }[]> = {
      '127.evil.example': [{ address: '203.0.113.5', family: 4 }],
      'mixed.example': [
        { address: '127.0.0.1', family: 4 },
        { address: '2001:db8::1', family: 6 },
      ],
      'lo.example': [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
      'empty.example': [],
    };
    const resolve: Resolve = async (host) => dns[host];
    expect(await isLoopbackHost('127.evil.example', resolve)).toBe(false);
    expect(await isLoopbackHost('mixed.example', resolve)).toBe(false);
    expect(await isLoopbackHost('empty.example', resolve)).toBe(false);
    expect(await isLoopbackHost('lo.example', resolve)).toBe(true);
  });
});
