/**
 * A snapshot's model (protocol.ts: the model file's bytes in base64) back into a network, with
 * the project's own decoder (model/model-decode.ts), as `bp-train predict` reads a model file.
 */
import { decodeModel, type Model } from '../model/model-decode.js';
import type { Snapshot } from '../serve/protocol.js';

export function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** @throws DataError when the bytes are not a bp-train model (they always are, from bp-train). */
export function snapshotModel(snapshot: Snapshot, name: string): Model {
  return decodeModel(base64Bytes(snapshot.model), name);
}
