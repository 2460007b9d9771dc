// The bytes of one remote call, both ways: the chunk out (Arrow IPC), the answer back (a
// `result` + `status` table). Text chunks and vector answers — every embedding call — take
// src/wire's column codec; any other shape goes through an apache-arrow Table. Same bytes on the wire either
// way: the server and other Arrow clients cannot tell.
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { wireColumnsFromTable } from '../wire/from-arrow';
import { ipcStreamProblem } from '../wire/ipc-guard';
import { readIpcStream } from '../wire/ipc-read';
import { writeIpcStream } from '../wire/ipc-write';
import type { WireBatch } from '../wire/columns';

/** A call's answer: columns decoded by src/wire, or an apache-arrow Table for other shapes. */
export type CallAnswer = WireBatch | Table;

export function isWireBatch(a: CallAnswer): a is WireBatch {
  return Array.isArray((a as WireBatch).columns);
}

export function encodeCallArgs(args: Table): Uint8Array {
  const wire = wireColumnsFromTable(args);
  return wire ? writeIpcStream(wire, args.numRows) : tableToIPC(args, 'stream');
}

/** Throws (apache-arrow's error, or why the metadata cannot be right) when the bytes are not a readable IPC stream. */
export function decodeCallAnswer(bytes: Uint8Array): CallAnswer {
  const lean = readIpcStream(bytes);
  if (lean) return lean;
  // Damaged metadata can stall apache-arrow's reader (src/wire/ipc-guard.ts): refuse it first.
  const problem = ipcStreamProblem(bytes);
  if (problem) throw new Error(problem);
  return tableFromIPC(bytes);
}
