// `listen`: a long-lived HEP collector. Wires UDP/TCP receivers to the collector pipeline and the
// store, registers itself in <store>/.run so that `parsers` can list and stop it, and on
// SIGINT/SIGTERM stops receiving, writes what it has, prints its counters and exits 0.
import { join } from 'node:path';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../../model/address.js';
import { HepCollector } from '../../listen/collector.js';
import { AllowList } from '../../listen/allow-list.js';
import { ListenCounters } from '../../listen/counters.js';
import { startTcpReceiver, type TcpReceiver } from '../../listen/tcp-receiver.js';
import { startUdpReceiver, type UdpReceiver } from '../../listen/udp-receiver.js';
import { StoreWriter } from '../../listen/store-writer.js';
import { SPOOL_DIR } from '../../listen/spool.js';
import { findListenerServing, findRun, registerRun } from '../../store/runtime.js';
import { CommandError, diag, formatBytes, UsageError, writeOut } from '../output.js';
import { openStore } from './common.js';

export const DEFAULT_LISTEN = '127.0.0.1:9060';

function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function parseListenAddress(flag: string, text: string): Endpoint {
  const ep = parseEndpoint(text);
  if (!ep || ep.port === undefined) throw new UsageError(`--${flag} wants ADDR:PORT (IPv6 as [addr]:port), not '${text}'`);
  return ep;
}

/** `--spool-max`: bytes, with an optional K/M/G (powers of 1024). */
function parseSpoolMax(v: unknown): number {
  if (v === undefined) return 1 << 30;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(String(v).trim());
  if (!m) throw new UsageError(`--spool-max wants a size such as 512M or 4G, not '${String(v)}'`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * unit);
}

export async function run(argv: Record<string, unknown>): Promise<number> {
  const udp = list(argv.udp).map((t) => parseListenAddress('udp', t));
  const tcp = list(argv.tcp).map((t) => parseListenAddress('tcp', t));
  if (udp.length === 0 && tcp.length === 0) udp.push(parseListenAddress('udp', DEFAULT_LISTEN));
  const allow = new AllowList();
  for (const a of list(argv.allow)) {
    try { allow.add(a); } catch (e) { throw new UsageError((e as Error).message); }
  }
  const authKey = typeof argv['auth-key'] === 'string' ? argv['auth-key'] : undefined;
  const statusInterval = argv['status-interval'] as number | undefined;
  if (statusInterval !== undefined && !(statusInterval > 0)) throw new UsageError('--status-interval wants a number of seconds > 0');
  const recvBuffer = (argv['recv-buffer'] as number | undefined) ?? 8 * 1024 * 1024;
  const spoolMax = parseSpoolMax(argv['spool-max']);

  const store = openStore(argv, true);
  // The original's rule: a parser is its id; starting one that runs already leaves it alone.
  const requested = [...udp.map((e) => `udp:${formatEndpoint(e)}`), ...tcp.map((e) => `tcp:${formatEndpoint(e)}`)];
  const named = typeof argv.name === 'string' && argv.name !== '' ? argv.name : undefined;
  const running = (named !== undefined ? findRun(store.root, named) : undefined)
    ?? findListenerServing(store.root, requested.filter((a) => !a.endsWith(':0')));
  if (running) {
    await writeOut(`already running: ${running.name}\n`);
    return 0;
  }

  const counters = new ListenCounters();
  const writer = new StoreWriter(store.root, counters, {
    spool: spoolMax > 0 ? { dir: join(store.root, SPOOL_DIR), maxBytes: spoolMax } : undefined,
    onError: (m) => diag(`listen: ${m}`),
  });
  const collector = new HepCollector(writer, counters, { allow, authKey });
  const onPacket = (buf: Buffer, sender: string) => collector.handle(buf, sender);

  const udpReceivers: UdpReceiver[] = [];
  const tcpReceivers: TcpReceiver[] = [];
  const closeAll = async () => {
    await Promise.all([...udpReceivers, ...tcpReceivers].map((r) => r.close()));
    udpReceivers.length = 0;
    tcpReceivers.length = 0;
  };
  try {
    for (const ep of udp) udpReceivers.push(await startUdpReceiver(ep, onPacket, recvBuffer));
    for (const ep of tcp) {
      tcpReceivers.push(await startTcpReceiver(ep, onPacket, {
        onConnection: () => { counters.tcpConnections++; },
        onGarbage: (n) => { counters.tcpGarbageBytes += n; counters.count(counters.decodeErrors, 'tcp stream garbage bytes', n); },
      }));
    }
  } catch (e) {
    await closeAll();
    collector.stop();
    await writer.stop();
    const err = e as NodeJS.ErrnoException;
    throw new CommandError(`cannot listen: ${err.code === 'EADDRINUSE' ? `address in use (${err.message.replace(/^.*EADDRINUSE\s*/, '')})` : err.message}`);
  }
  const addresses = [...udpReceivers.map((r) => r.address), ...tcpReceivers.map((r) => r.address)];
  // Default name: the first address without its scheme, as the original named HEP parsers IP:PORT.
  const name = named ?? addresses[0]!.replace(/^(udp|tcp):/, '');
  const reg = registerRun(store.root, { name, kind: 'listen', addresses });
  if (!reg) {
    await closeAll();
    collector.stop();
    await writer.stop();
    await writeOut(`already running: ${name}\n`);
    return 0;
  }

  let statusTimer: NodeJS.Timeout | undefined;
  try {
    const granted = udpReceivers.map((r) => r.recvBufferSize);
    const bufNote = granted.length ? `, UDP receive buffer ${formatBytes(Math.min(...granted))} granted of ${formatBytes(recvBuffer)} asked` : '';
    diag(`listen: ${name}: listening on ${addresses.join(', ')}${bufNote}; store ${store.root}`);
    if (statusInterval !== undefined) {
      let prev = { received: counters.received, at: Date.now() };
      statusTimer = setInterval(() => {
        diag(counters.statusLine(prev));
        prev = { received: counters.received, at: Date.now() };
      }, statusInterval * 1000);
    }
    const signal = await new Promise<string>((resolve) => {
      const on = (s: string) => () => resolve(s);
      process.once('SIGINT', on('SIGINT'));
      process.once('SIGTERM', on('SIGTERM'));
    });
    if (statusTimer) clearInterval(statusTimer);
    statusTimer = undefined;
    diag(`listen: ${name}: ${signal}: stopping${writer.backlog > 0 ? `; replaying the ${writer.backlog} spooled packets first` : ''}`);
    await closeAll();
    collector.stop();
    await writer.stop();
  } finally {
    if (statusTimer) clearInterval(statusTimer);
    await closeAll();
    reg.release();
  }
  for (const line of counters.report()) diag(`listen: ${name}: ${line}`);
  if (argv.json) await writeOut(JSON.stringify({ name, addresses, counters: counters.toJson() }) + '\n');
  return 0;
}
