// The history figures (history.mjs) as rows of the bench table; run.mjs calls this once.
import { spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const num = (x, d = 0) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: d }) : '-')

/** Runs history.mjs, appends its rows to `table`, and returns its figures (null if it failed). */
export function historyRows(table) {
  const shared = process.env.TINCAN_SHARED ?? resolve(here, '../../..', 'shared')
  const r = spawnSync(process.execPath, [join(here, 'history.mjs'), join(shared, 'bench')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000
  })
  const line = r.stdout?.trim().split('\n').pop()
  if (r.status !== 0 || !line?.startsWith('{')) {
    table.push('| history | (failed: see stderr) | | | | | | |')
    return null
  }
  const h = JSON.parse(line)
  const row = (label, value, target = '') => table.push(`| history | ${label} | ${value} | | | | | ${target} |`)
  const { replay, append, archive } = h
  row(
    `join to welcome + ${num(replay.entries_replayed)} replayed entries (${num(replay.messages)} messages), ms p50 / max`,
    `${num(replay.join_ms_p50, 1)} / ${num(replay.join_ms_max, 1)}`
  )
  row('server CPU per join with that replay, ms', num(replay.server_cpu_ms_per_join, 2))
  row(
    `burst fan-out deliveries/s without / with --history (median of ${append.runs})`,
    `${num(append.memory_deliveries_per_s)} / ${num(append.file_deliveries_per_s)}`
  )
  row('change with --history, deliveries/s', `${append.change_pct.toFixed(1)}%`, 'within 10%')
  row('server CPU for the burst without / with --history, s', `${num(append.memory_server_cpu_s, 2)} / ${num(append.file_server_cpu_s, 2)}`)
  row('messages lost', num(append.lost), '0')
  if (archive) {
    const runs = `median of ${archive.runs} runs`
    row(`archive: open a room of ${num(archive.messages)} messages after a reload, until drawn, ms (${runs})`, num(archive.load_ms), '≤500')
    row(
      `archive: search ${num(archive.messages)} messages, keystroke to result found, ms (median of ${archive.searches} words)`,
      num(archive.search_ms, 1),
      '≤50'
    )
    row(
      'archive: search, keystroke to result drawn, ms median / worst',
      `${num(archive.search_drawn_ms, 1)} / ${num(archive.search_worst_ms, 1)}`
    )
  } else {
    table.push('| history | archive (not measured: no renderer build, or BENCH_RENDERER=0) | | | | | | |')
  }
  return h
}
