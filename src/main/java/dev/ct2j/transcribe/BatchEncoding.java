package dev.ct2j.transcribe;

import dev.ct2j.engine.Device;
import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.Features;
import dev.ct2j.engine.WhisperEngine;

/**
 * How a batch of windows is encoded. On the CPU, a window at a time into one output
 * ({@link WhisperEngine#encode(Features, int)}: the same values): the self-attention scores of 8
 * windows of base are 576 MB, of one 72 MB, and they set the batched pipeline's peak RSS; on 2
 * cores it was not slower (benchmarks/RESULTS.md). A GPU keeps the one call.
 * {@code -Dct2j.cpuEncoderBatch=N} sets the windows per call (0: the whole batch in one).
 */
final class BatchEncoding {
    private static final int CPU_MAX_BATCH = Integer.getInteger("ct2j.cpuEncoderBatch", 1);

    private BatchEncoding() {}

    static EncoderOutput encode(WhisperEngine engine, Features batch) {
        return CPU_MAX_BATCH > 0 && engine.device() == Device.CPU ? engine.encode(batch, CPU_MAX_BATCH)
                : engine.encode(batch, false);
    }
}
