/**
 * A private Redis for tests: `redis-server` (Debian package) on 127.0.0.1 at a free port, with no
 * persistence (`--save '' --appendonly no`), stopped by `stop()`. When redis-server is not
 * installed, {@link startRedis} returns null, unless CI=true, where it throws (a missing Redis fails
 * the run; it is never skipped silently).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A running private Redis. */
export interface TestRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Stop the server (SIGTERM, then waits for its exit). */
  stop(): Promise<void>;
}

/** Whether redis-server is on PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('error', () => resolve(false));
    c.once('connect', () => c.write('PING\r\n'));
    c.once('data', (d) => {
      c.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
  });
}

/**
 * Start a private redis-server.
 * @returns the server, or null when redis-server is not installed (outside CI)
 * @throws Error under CI=true when redis-server is missing, or when it does not answer within 10 s
 */
export async function startRedis(): Promise<TestRedis | null> {
  if (!hasRedisServer()) {
    if (process.env.CI === 'true') throw new Error('redis-server is not installed (apt-get install redis-server; .ci/run does); the queue tests need it');
    process.stderr.write('warning: redis-server not installed; the queue tests are skipped (they fail under CI=true)\n');
    return null;
  }
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let k = 0; k < 100 && !(await answers(port)); k++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers(port))) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`, port,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
