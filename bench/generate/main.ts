// node dist/bench/generate/main.js --kind pcap-sip|pcap-hep|freeswitch|kamailio --out FILE
//   [--size 1GB | --calls N] [--span 7d] [--end EPOCH] [--seed N] [--rtp N]
// Material is read from ../shared/corpus (CALL_INSPECTOR_CORPUS) and fixtures/ at run time.
import { resolve } from 'node:path';
import { corpusRoot, fixture } from '../../test/helpers/corpus.js';
import { parseDuration } from '../../src/model/time.js';
import { generate, OUTPUT_KINDS, parseSize, type OutputKind } from './generate.js';
import { loadMaterial } from './material.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<void> {
  const kind = arg(args, '--kind') as OutputKind | undefined;
  const out = arg(args, '--out');
  if (!kind || !OUTPUT_KINDS.includes(kind) || !out) {
    process.stderr.write(`usage: generate --kind ${OUTPUT_KINDS.join('|')} --out FILE [--size 1GB | --calls N] [--span 7d] [--end EPOCH] [--seed N] [--rtp N]\n`);
    process.exitCode = 2;
    return;
  }
  const sizeText = arg(args, '--size');
  const bytes = args.includes('--quick') ? 30e6 : sizeText ? parseSize(sizeText) : 1e9;
  if (bytes === undefined) throw new Error(`bad --size ${sizeText}`);
  const callsText = arg(args, '--calls');
  const spanNs = parseDuration(arg(args, '--span') ?? '7d');
  if (spanNs === undefined) throw new Error('bad --span');
  const material = loadMaterial({ corpus: corpusRoot(), fixtures: fixture('') });
  const stats = await generate(material, {
    kind, out: resolve(out), bytes, calls: callsText ? Number(callsText) : undefined,
    end: Number(arg(args, '--end') ?? Math.floor(Date.now() / 1000)),
    span: Number(spanNs) / 1e9,
    seed: Number(arg(args, '--seed') ?? 6),
    rtpPerCall: Number(arg(args, '--rtp') ?? 50),
  });
  process.stdout.write(JSON.stringify(stats) + '\n');
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('generate/main.js')) {
  main(process.argv.slice(2)).catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exitCode = 1; });
}
