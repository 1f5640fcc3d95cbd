import { createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback endpoint that speaks enough of the Redis protocol (RESP) for
 * the control plane's cache checks: AUTH, HELLO refused (RESP2), PING,
 * DBSIZE, INFO, SELECT, CLIENT, QUIT. The dataset itself is simulated: its
 * size is the key count the ElastiCache twin tracks for the group.
 */
export class RespEndpoint {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly keyCount: () => number) {}

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // Redis sets TCP_NODELAY on every client connection (networking.c: connEnableTcpNoDelay). Without it, the
      // replies to ioredis's pipelined CLIENT SETINFO pair wait on Nagle and the client's delayed ACK: ~20 ms each.
      socket.setNoDelay(true);
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString('utf8');
        let replies = '';
        for (;;) {
          const parsed = parseCommand(buffer);
          if (!parsed) break;
          buffer = buffer.slice(parsed.consumed);
          replies += this.reply(parsed.args);
        }
        if (replies) socket.write(replies);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private reply(args: string[]): string {
    const command = (args[0] ?? '').toUpperCase();
    switch (command) {
      case 'AUTH':
      case 'SELECT':
      case 'QUIT':
      case 'CLIENT':
        return '+OK\r\n';
      case 'PING':
        return '+PONG\r\n';
      case 'DBSIZE':
        return `:${this.keyCount()}\r\n`;
      case 'INFO': {
        const info =
          '# Server\r\nredis_version:7.1.0\r\n# Persistence\r\nloading:0\r\n' + `# Keyspace\r\ndb0:keys=${this.keyCount()},expires=0\r\n`;
        return `$${Buffer.byteLength(info)}\r\n${info}\r\n`;
      }
      default:
        return `-ERR unknown command '${command}' (the twin's cache endpoint answers only what the control plane uses)\r\n`;
    }
  }
}

/** One RESP array of bulk strings (or an inline command) from the front of `buffer`. */
function parseCommand(buffer: string): { args: string[]; consumed: number } | undefined {
  if (!buffer.startsWith('*')) {
    const end = buffer.indexOf('\r\n');
    return end < 0 ? undefined : { args: buffer.slice(0, end).trim().split(/\s+/), consumed: end + 2 };
  }
  let offset = buffer.indexOf('\r\n');
  if (offset < 0) return undefined;
  const count = Number(buffer.slice(1, offset));
  offset += 2;
  const args: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd < 0 || buffer[offset] !== '$') return undefined;
    const length = Number(buffer.slice(offset + 1, lineEnd));
    const start = lineEnd + 2;
    if (buffer.length < start + length + 2) return undefined;
    args.push(buffer.slice(start, start + length));
    offset = start + length + 2;
  }
  return { args, consumed: offset };
}
