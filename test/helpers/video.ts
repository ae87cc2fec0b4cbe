import { BufferTarget, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output } from 'mediabunny';

/**
 * Real, tiny MP4 files, built in memory by mediabunny's muxer (no ffmpeg needed): an H.264 track of
 * `seconds` at 10 frames per second, `width`×`height`. The frames are stub NAL units: containers only carry
 * them, and xmedia reads containers, never decodes frames.
 */
export async function mp4({ seconds = 2, width = 320, height = 240 } = {}): Promise<Buffer> {
  const target = new BufferTarget();
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: false }), target });
  const source = new EncodedVideoPacketSource('avc');
  output.addVideoTrack(source, { frameRate: 10 });
  await output.start();
  const sps = Buffer.from('6742c00bd9c17f9601100000030010000003032a0f1429a0', 'hex');
  const pps = Buffer.from('68ce3c80', 'hex');
  const avcC = Buffer.concat([Buffer.from([1, 0x42, 0xc0, 0x0b, 0xff, 0xe1, 0, sps.length]), sps, Buffer.from([1, 0, pps.length]), pps]);
  const frames = Math.round(seconds * 10);
  for (let i = 0; i < frames; i++) {
    const key = i === 0;
    const nal = Buffer.from([0, 0, 0, 4, key ? 0x65 : 0x41, 0x88, 0x84, 0x00]);
    await source.add(
      new EncodedPacket(nal, key ? 'key' : 'delta', i / 10, 0.1),
      key ? { decoderConfig: { codec: 'avc1.42c00b', codedWidth: width, codedHeight: height, description: avcC } } : undefined,
    );
  }
  await output.finalize();
  return Buffer.from(target.buffer!);
}

/** An ISO BMFF `free` box header for a box of `totalSize` bytes (header included): padding players skip. */
export function freeBoxHeader(totalSize: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(totalSize, 0);
  header.write('free', 4, 'latin1');
  return header;
}
