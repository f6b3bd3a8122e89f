package io.jvhost.nvme.driver;

import java.util.UUID;

/**
 * One active namespace, from Identify Namespace.
 *
 * @param id namespace id (NSID)
 * @param blockSize bytes per logical block of the formatted LBA format
 * @param blockCount namespace size in blocks (NSZE)
 * @param guid NGUID as a UUID, or null when the namespace reports none
 */
public record NamespaceData(int id, int blockSize, long blockCount, UUID guid) {
}
