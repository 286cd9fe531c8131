// Just enough tar and zip reading to pull one file out of an npm tarball and
// out of the zip inside it, without a dependency. Both work on whole buffers:
// the archives involved are tens of megabytes, which is fine in memory.
import { crc32, gunzipSync, inflateRawSync } from "node:zlib";

/** One regular file from a .tgz (gzip + ustar, with pax/GNU long names). */
export function readTgzEntry(tgz: Buffer, wanted: string): Buffer {
  const tar = gunzipSync(tgz);
  let longName: string | undefined; // from a pax "path" record or a GNU "L" entry
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;

    if (type === "x") {
      longName = parsePaxPath(data) ?? longName;
      continue;
    }
    if (type === "L") {
      longName = cString(data);
      continue;
    }
    const prefix = cString(header.subarray(345, 500));
    const name = longName ?? (prefix ? `${prefix}/` : "") + cString(header.subarray(0, 100));
    longName = undefined;
    // "0" and NUL both mean a regular file.
    if (name === wanted && (type === "0" || type === "\0")) return Buffer.from(data);
  }
  throw new Error(`${wanted} not found in tarball`);
}

/** One file from a zip: reads the central directory; stored or deflated; no zip64. */
export function readZipEntry(zip: Buffer, wanted: string): Buffer {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new Error("zip64 archives are not supported");

  for (let off = cdOffset, i = 0; i < count; i++) {
    if (zip.readUInt32LE(off) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = zip.readUInt16LE(off + 10);
    const crc = zip.readUInt32LE(off + 16);
    const compressedSize = zip.readUInt32LE(off + 20);
    const size = zip.readUInt32LE(off + 24);
    const nameLen = zip.readUInt16LE(off + 28);
    const extraLen = zip.readUInt16LE(off + 30);
    const commentLen = zip.readUInt16LE(off + 32);
    const localOffset = zip.readUInt32LE(off + 42);
    const name = zip.toString("utf8", off + 46, off + 46 + nameLen);
    off += 46 + nameLen + extraLen + commentLen;
    if (name !== wanted) continue;

    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) {
      throw new Error(`${wanted}: zip64 entries are not supported`);
    }
    // The local header repeats the name and may have a different extra field length.
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new Error("corrupt zip local header");
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let out: Buffer;
    if (method === 0) out = Buffer.from(raw);
    else if (method === 8) out = inflateRawSync(raw);
    else throw new Error(`${wanted}: unsupported zip compression method ${method}`);
    if (out.length !== size) throw new Error(`${wanted}: expected ${size} bytes, got ${out.length}`);
    if (crc32(out) !== crc) throw new Error(`${wanted}: CRC mismatch`);
    return out;
  }
  throw new Error(`${wanted} not found in zip`);
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 64 KiB, at the very end.
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let off = zip.length - 22; off >= stop; off--) {
    if (zip.readUInt32LE(off) === 0x06054b50) return off;
  }
  throw new Error("not a zip file (no end of central directory record)");
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString("utf8", 0, end === -1 ? bytes.length : end);
}

function parseOctal(field: Buffer): number {
  // Sizes of 8 GiB and more use a base-256 encoding; nothing here is that big.
  if ((field[0] ?? 0) & 0x80) throw new Error("tar entry too large (base-256 size)");
  const text = cString(field).trim();
  return text ? parseInt(text, 8) : 0;
}

/** pax extended header: records of the form "<len> <key>=<value>\n". */
function parsePaxPath(data: Buffer): string | undefined {
  for (const record of data.toString("utf8").split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}
