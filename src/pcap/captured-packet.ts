// A link-layer packet as a capture file stores it.

/** One packet record of a capture file. */
export interface CapturedPacket {
  /** 1-based packet number in the file, as Wireshark numbers frames. */
  frame: number;
  /** Capture time in seconds since 1970, with the file's sub-second resolution. */
  timestamp: number;
  /** LINKTYPE_ value of the interface that captured the packet. */
  linkType: number;
  /** Captured bytes, possibly shorter than the packet on the wire (snaplen). */
  data: Uint8Array;
  /** Byte offset of the packet record in the file. */
  fileOffset: number;
}
