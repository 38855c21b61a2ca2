/**
 * The loopback upstream of the end-to-end benchmark's hop variants: a
 * node:http server on 127.0.0.1 that answers "ok" to everything. It prints
 * {"port"} on stdout and exits when its parent disconnects.
 *
 *   node bench/e2e/upstream.mjs
 */
import http from 'node:http';

const server = http.createServer((req, res) => res.end('ok'));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('disconnect', () => process.exit(0));
