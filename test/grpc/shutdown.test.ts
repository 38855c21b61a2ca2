/**
 * shutdownServer on a real grpc-js server process: calls in flight get the
 * grace period, then their contexts end with ServerShutdown and the client
 * sees UNAVAILABLE; a server with nothing in flight drains.
 */
import * as grpc from '@grpc/grpc-js';
import { echoClientConstructor, startEchoServer } from './server-process';

jest.setTimeout(60_000);

const Echo = echoClientConstructor();

test('a call still running when the grace period ends: ServerShutdown in the handler, UNAVAILABLE at the client', async () => {
  const server = await startEchoServer();
  const client = new Echo(server.address, grpc.credentials.createInsecure()) as any;
  try {
    const code = new Promise<number>((resolve) => client.Unary({ id: 'long', mode: 'hang' }, (e: grpc.ServiceError) => resolve(e.code)));
    await server.waitFor('start', 'long');
    server.command('shutdown 300');
    expect(await code).toBe(grpc.status.UNAVAILABLE);
    expect((await server.waitFor('end', 'long')).cause).toBe('ServerShutdownError');
    const done = await server.waitFor('shutdown');
    expect(done.outcome).toBe('cancelled');
    expect(done.lifetime).toBe('ServerShutdownError');
  } finally {
    client.close();
    server.kill();
  }
});

test('nothing in flight: the server drains, and the lifetime context still ends', async () => {
  const server = await startEchoServer();
  const client = new Echo(server.address, grpc.credentials.createInsecure()) as any;
  try {
    await new Promise((resolve, reject) => client.Unary({ id: 'quick', mode: 'echo' }, (e: unknown, r: unknown) => (e ? reject(e) : resolve(r))));
    client.close();
    server.command('shutdown 10000');
    const done = await server.waitFor('shutdown');
    expect(done.outcome).toBe('drained');
    expect(done.lifetime).toBe('ServerShutdownError');
  } finally {
    server.kill();
  }
});
