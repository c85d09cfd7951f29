// docker-compose.yml publishes nothing beyond the machine: the Temporal
// frontend and Web UI have no authentication of their own, so every published
// port is bound to 127.0.0.1 (README "Operating it" says what to put in front).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

type PortEntry = string | number | { published?: string | number; target?: number; host_ip?: string };
interface ComposeService {
  ports?: PortEntry[];
  network_mode?: string;
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, ComposeService>;
};

/** The host address a port entry binds to; undefined: all interfaces. */
function hostIpOf(entry: PortEntry): string | undefined {
  if (typeof entry === 'object') return entry.host_ip;
  const text = String(entry).replace(/\/(tcp|udp|sctp)$/, '');
  const bracketed = /^\[([^\]]+)\]:/.exec(text);
  if (bracketed) return bracketed[1];
  const parts = text.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

test('the services publish ports', () => {
  const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
  expect(published.length).toBeGreaterThan(0);
});

test('every published port is bound to 127.0.0.1, none to all interfaces', () => {
  const offending = Object.entries(compose.services).flatMap(([name, service]) => [
    ...(service.network_mode === 'host' ? [`${name} uses the host network`] : []),
    ...(service.ports ?? []).filter((p) => hostIpOf(p) !== '127.0.0.1').map((p) => `${name} publishes ${JSON.stringify(p)}`),
  ]);
  expect(offending).toEqual([]);
});

test('the port reader tells the forms apart', () => {
  expect(hostIpOf('7233:7233')).toBeUndefined();
  expect(hostIpOf('8233')).toBeUndefined();
  expect(hostIpOf(8233)).toBeUndefined();
  expect(hostIpOf('0.0.0.0:7233:7233')).toBe('0.0.0.0');
  expect(hostIpOf('127.0.0.1:8233:8080/tcp')).toBe('127.0.0.1');
  expect(hostIpOf('[::1]:8233:8080')).toBe('::1');
  expect(hostIpOf({ target: 8080, published: 8233, host_ip: '127.0.0.1' })).toBe('127.0.0.1');
  expect(hostIpOf({ target: 8080, published: 8233 })).toBeUndefined();
});
