// Node ws echo server for the peer comparison: one process, one thread (the
// event loop), no compression. Text is echoed as text, binary as binary.
//   node echo.mjs PORT
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 9001);
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  backlog: 4096, // as the others (SOMAXCONN); Node's default of 511 drops a fast ramp-up
  perMessageDeflate: false,
  maxPayload: 16 * 1024 * 1024,
  clientTracking: false,
});

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`node-ws: listening on 127.0.0.1:${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
