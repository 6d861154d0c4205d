// Command-line entry: flags are parsed here, each command's work is loaded lazily so that
// `--help` and `show` start fast.
import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { UsageError } from './output.js';
import { reportCliError } from './entry-errors.js';
import { STDIN_TOKEN } from './commands/common.js';

export interface GlobalArgs {
  store?: string;
}

type Handler = (argv: Record<string, unknown>) => Promise<number | void>;

function lazy(load: () => Promise<{ run: Handler }>): (argv: Record<string, unknown>) => Promise<void> {
  return async (argv) => {
    const mod = await load();
    const code = await mod.run(argv);
    if (typeof code === 'number') process.exitCode = code;
  };
}

type YargsFactory = typeof import('yargs').default;

// yargs is ESM only. Node 20.19+ can require() it: the same modules, loaded synchronously, in
// ~60 % of the time the ESM loader takes (150 against 260 ms here). Older Node 20: import().
async function loadYargs(): Promise<YargsFactory> {
  try {
    return createRequire(import.meta.url)('yargs') as YargsFactory;
  } catch {
    return (await import('yargs')).default;
  }
}
const yargs = await loadYargs();

/**
 * yargs renders the whole help text before it runs a command, in case a failure shows help; ours
 * never do (reportCliError prints one line), and the render cost 35 ms of every command. Guarded:
 * an internal method, absent in another yargs version means only that the render stays.
 */
function skipHelpCache(cli: Argv): Argv {
  const usage = (cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } })
    .getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  return cli;
}

export function buildCli(args: string[]): Argv {
  return yargs(args.map((a) => (a === '-' ? STDIN_TOKEN : a)))
    .scriptName('call-inspector')
    .usage('$0 <command> [options]\n\nSIP call forensics: ingest logs, captures and HEP; show a call reordered across skewed clocks.')
    .option('store', {
      type: 'string',
      describe: 'store directory (default $CALL_INSPECTOR_STORE, else $XDG_DATA_HOME/call-inspector)',
      global: true,
    })
    .command('ingest <inputs..>', 'read log files, captures or chunk JSON into the store', (y) => y
      .positional('inputs', { describe: 'files, directories, globs, or - for stdin', type: 'string', array: true })
      .option('format', { type: 'string', describe: 'force the input format', choices: ['kamailio', 'kamailio-sipdump', 'freeswitch', 'pcap', 'pcapng', 'hep', 'chunks'] })
      .option('node-address', { type: 'string', describe: 'IP:PORT of the node that wrote a log (fills the side of src/dst the log does not name)' })
      .option('parser', { type: 'string', describe: 'capture point name for every chunk (default: the input\'s absolute path)' })
      .option('date', { type: 'string', describe: 'YYYY-MM-DD for trace stamps that carry only a time of day' })
      .option('year', { type: 'number', describe: 'year for BSD syslog stamps (default: from the file\'s modification time)' })
      .option('utc-offset', { type: 'string', describe: 'zone of zone-less log times, e.g. +02:00 (default: this machine\'s zone)' })
      .option('full', { type: 'boolean', default: false, describe: 'ignore saved positions and read inputs from the start (still no duplicates)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no per-input summary lines on stderr' })
      .example('$0 ingest /var/log/kamailio.log --node-address 10.0.0.1:5060', 'a Kamailio log; src/dst default to the proxy\'s address')
      .example('$0 ingest \'captures/*.pcap\' freeswitch.log', 'captures and a FreeSWITCH log in one go')
      .example('$0 ingest --json /var/log/kamailio.log | jq .totals', 'the summary for scripts'),
    lazy(() => import('./commands/ingest.js')))
    .command('show <call-id>', 'print one call\'s dialogue, in order', (y) => y
      .positional('call-id', { type: 'string', describe: 'the Call-ID' })
      .option('format', { alias: 'f', type: 'string', default: 'ladder', choices: ['json', 'ndjson', 'table', 'ladder', 'html'], describe: 'output format' })
      .option('related', { type: 'boolean', default: false, describe: 'follow related legs (X-CID, correlation id, Session-ID, …)' })
      .option('inspect', { type: 'boolean', default: false, describe: 'print the original\'s inspect_call_id object' })
      .option('kazoo', { type: 'boolean', default: false, describe: 'order exactly as Kazoo\'s call_inspector did' })
      .option('ref-parser', { type: 'string', describe: 'the capture point whose clock is the reference' })
      .option('alias', { type: 'string', array: true, describe: 'name an entity: IP:PORT=NAME (repeatable) or a file of such lines' })
      .option('raw', { type: 'boolean', default: false, describe: 'ladder: print each message under its arrow' })
      .option('ascii', { type: 'boolean', default: false, describe: 'ladder: plain ASCII only' })
      .option('width', { type: 'number', describe: 'ladder: width in columns (default: the terminal\'s)' })
      .example('$0 show 63-6680@10.26.0.101', 'the ladder of one call')
      .example('$0 show -f json 63-6680@10.26.0.101 | jq \'.[].label\'', 'the original\'s callid_details JSON')
      .example('$0 show -f html CALLID > call.html', 'a self-contained HTML ladder'),
    lazy(() => import('./commands/show.js')))
    .command('analyze <call-id>', 'say what went wrong in a call, where, and which messages show it', (y) => y
      .positional('call-id', { type: 'string', describe: 'the Call-ID' })
      .option('format', { alias: 'f', type: 'string', default: 'table', choices: ['table', 'json'], describe: 'output format' })
      .option('related', { type: 'boolean', default: false, describe: 'analyse the related legs too (as show --related gathers them)' })
      .example('$0 analyze 85216695-42dcdb1d@192.168.1.2', 'outcome, failing node and leg, findings, timing per hop')
      .example('$0 analyze -f json CALLID | jq .outcome', '{status, reason, generated_by, failed_leg, …} for scripts'),
    lazy(() => import('./commands/analyze.js')))
    .command('list', 'list the stored calls', (y) => y
      .option('format', { alias: 'f', type: 'string', default: 'table', choices: ['table', 'json', 'ndjson'], describe: 'output format' })
      .option('since', { type: 'string', describe: 'calls active after this time (RFC 3339, YYYY-MM-DD, epoch, or 1d/2h ago)' })
      .option('until', { type: 'string', describe: 'calls active before this time' })
      .option('filter', { alias: 'grep', type: 'string', describe: 'text to look for in Call-ID, From, To, capture points' })
      .option('limit', { type: 'number', describe: 'at most this many calls' })
      .option('failed', { type: 'boolean', describe: 'only calls whose initial request did not succeed' })
      .option('status', { type: 'string', array: true, describe: 'final status: 486, or a class such as 4xx (repeatable)' })
      .option('outcome', { type: 'string', array: true, describe: 'answered, busy, rejected, cancelled, unanswered, timeout, registered, challenged, unknown (repeatable)' })
      .option('slow-setup', { type: 'string', describe: 'only calls whose setup (INVITE to final answer) took longer than this (3s, 500ms)' })
      .example('$0 list --since 1d --failed -f json', 'yesterday\'s failed calls, for a cron job')
      .example('$0 list --status 486 --status 5xx', 'busy or server failures')
      .example('$0 list --since 1d', 'calls of the last day')
      .example('$0 list -f json | jq -r \'.[]["call-id"]\'', 'Call-IDs for scripts'),
    lazy(() => import('./commands/list.js')))
    .command('flush [call-id]', 'delete one call, old calls, or everything from the store', (y) => y
      .positional('call-id', { type: 'string', describe: 'the Call-ID to delete' })
      .option('older-than', { type: 'string', describe: 'delete calls not written for this long (7d, 12h)' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'do not ask before deleting everything' })
      .example('$0 flush 63-6680@10.26.0.101', 'delete one call')
      .example('$0 flush --older-than 7d', 'retention, from cron')
      .example('$0 flush --yes', 'delete every call'),
    lazy(() => import('./commands/flush.js')))
    .command('reindex', 'rebuild the list index from the call files', (y) => y
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress or summary on stderr' })
      .example('$0 reindex', 'after upgrading, or if list looks wrong'),
    lazy(() => import('./commands/reindex.js')))
    .command('listen', 'collect live HEP (v1/v2/v3) over UDP and TCP into the store until SIGINT/SIGTERM', (y) => y
      .option('udp', { type: 'string', array: true, describe: `ADDR:PORT to receive HEP datagrams on (repeatable; default 127.0.0.1:9060 when neither --udp nor --tcp is given)` })
      .option('tcp', { type: 'string', array: true, describe: 'ADDR:PORT to accept HEP3 streams on (repeatable)' })
      .option('auth-key', { type: 'string', describe: 'accept only HEP3 packets carrying this auth key (chunk 0x000e)' })
      .option('allow', { type: 'string', array: true, describe: 'accept only senders from this IP or CIDR block (repeatable)' })
      .option('status-interval', { type: 'number', describe: 'print a one-line status on stderr every SECONDS' })
      .option('name', { type: 'string', describe: 'the parser name shown by `parsers` (default: the first address)' })
      .option('recv-buffer', { type: 'number', describe: 'UDP socket receive buffer to ask for, bytes (default 8 MiB)' })
      .option('spool-max', { type: 'string', describe: 'when the store falls behind, spool up to SIZE (e.g. 512M, 4G) of packets in <store>/.spool and replay them as it catches up; 0: drop instead (default 1G)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the final counters as JSON on stdout' })
      .example('$0 listen', 'HEP on 127.0.0.1:9060 (UDP)')
      .example('$0 listen --udp 0.0.0.0:9060 --tcp 0.0.0.0:9060 --allow 10.0.0.0/8', 'every interface, UDP and TCP, one subnet only')
      .example('$0 listen --udp 10.0.0.5:9061 --auth-key myHep --status-interval 60 --name kamailio', 'a named collector with an auth key'),
    lazy(() => import('./commands/listen.js')))
    .command('parsers [action] [name]', 'list the running listeners and ingests of this store, or stop one', (y) => y
      .positional('action', { type: 'string', choices: ['list', 'stop'], describe: 'list (default) or stop' })
      .positional('name', { type: 'string', describe: 'with stop: the parser\'s name' })
      .option('wait', { type: 'boolean', default: false, describe: 'with stop: wait until it has exited' })
      .option('json', { type: 'boolean', default: false, describe: 'list as JSON on stdout' })
      .example('$0 parsers', 'one line per running parser: name, kind, pid, start, addresses or inputs')
      .example('$0 parsers stop 127.0.0.1:9060', 'stop a listener (it flushes and exits)'),
    lazy(() => import('./commands/parsers.js')))
    .demandCommand(1, 'Say which command to run (see --help).')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilogue('Exit status: 0 ok, 1 failure, 2 usage error. Data goes to stdout, diagnostics to stderr.')
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
}

export async function main(args: string[]): Promise<number> {
  try {
    await skipHelpCache(buildCli(args)).parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportCliError(e);
  }
}
