package io.pgvault.core.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PageChecksumTest {

    /** Pages written by PostgreSQL 15 with data checksums on (initdb -k), stored with the checksum it computed. */
    @Test
    void matchesTheChecksumsPostgresqlWrote() throws IOException {
        byte[] authid = page("pg_authid-block0.page");
        byte[] accounts = page("pgbench_accounts-block131077.page");
        assertThat(PageChecksum.compute(authid, 0, 0)).isEqualTo(PageChecksum.stored(authid, 0)).isEqualTo(44823);
        assertThat(PageChecksum.compute(accounts, 0, 131077)).isEqualTo(PageChecksum.stored(accounts, 0))
                .isEqualTo(55681);
        assertThat(PageChecksum.compute(accounts, 0, 131076)).as("the block number is mixed in")
                .isNotEqualTo(55681);
    }

    @Test
    void aFlippedBitChangesTheChecksum() throws IOException {
        byte[] accounts = page("pgbench_accounts-block131077.page");
        accounts[4000] ^= 0x10;
        assertThat(PageChecksum.compute(accounts, 0, 131077)).isNotEqualTo(PageChecksum.stored(accounts, 0));
    }

    @Test
    void agreesWithTheWordByWordDefinitionAtAnyOffset() {
        Random random = new Random(42);
        byte[] buf = new byte[3 * PageChecksum.PAGE_SIZE + 512];
        for (int i = 0; i < 50; i++) {
            random.nextBytes(buf);
            int offset = random.nextInt(buf.length - PageChecksum.PAGE_SIZE);
            long block = random.nextInt(1 << 30);
            assertThat(PageChecksum.compute(buf, offset, block)).isEqualTo(reference(buf, offset, block));
        }
    }

    /** checksum_impl.h written out plainly: one word at a time into sum (word index mod 32). */
    private static int reference(byte[] buf, int offset, long blockNo) {
        int[] base = {
            0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A, 0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
            0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA, 0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
            0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE, 0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
            0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E, 0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756};
        int[] sums = base.clone();
        for (int w = 0; w < PageChecksum.PAGE_SIZE / 4; w++) {
            int p = offset + w * 4;
            int value = (buf[p] & 0xff) | (buf[p + 1] & 0xff) << 8 | (buf[p + 2] & 0xff) << 16
                    | (buf[p + 3] & 0xff) << 24;
            if (w == 2) {
                value &= 0xFFFF0000;
            }
            int tmp = sums[w % 32] ^ value;
            sums[w % 32] = tmp * 16777619 ^ (tmp >>> 17);
        }
        for (int round = 0; round < 2; round++) {
            for (int j = 0; j < 32; j++) {
                int tmp = sums[j];
                sums[j] = tmp * 16777619 ^ (tmp >>> 17);
            }
        }
        int result = 0;
        for (int s : sums) {
            result ^= s;
        }
        result ^= (int) blockNo;
        return (int) (Integer.toUnsignedLong(result) % 65535) + 1;
    }

    private static byte[] page(String name) throws IOException {
        try (InputStream in = PageChecksumTest.class.getResourceAsStream("/pages/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
