package dev.ct2j.transcribe;

import dev.ct2j.engine.EncoderOutput;
import dev.ct2j.engine.Features;
import dev.ct2j.engine.GenerationOptions;
import dev.ct2j.engine.GenerationResult;
import dev.ct2j.engine.LanguageProbability;
import dev.ct2j.features.NativeMelSpectrogram;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The batched pipeline's engine step: encode chunks of at most 30 seconds and generate each one's
 * tokens. {@link #alone()} runs one request's chunks by themselves; a server can share the step
 * between concurrent requests instead (ct2j-server's cross-request batcher). Sharing keeps every
 * request's result identical to decoding it alone, because a chunk's encoder output and decoded
 * tokens do not depend on its batch-mates (each chunk is padded to the same 3000 frames, and the
 * jobs of one call share their {@link GenerationOptions}).
 *
 * <p>The pipeline calls {@link #decode} while it holds a unit of work on the model, so the model
 * cannot be unloaded or closed under the call, whichever thread runs the engine.
 */
@FunctionalInterface
public interface ChunkDecoder {

    /**
     * One chunk to decode.
     *
     * @param features           the chunk's log-mel features, at most 3000 frames (padded here); they
     *                           must stay open until {@link #decode} has returned
     * @param prompt             the decoder prompt
     * @param languageTokenIndex where the prompt's language token is, to be replaced by the language
     *                           detected on this chunk (multilingual mode); -1 to keep the prompt
     * @param options            the generation options, equal across the jobs of one call
     */
    record Job(NativeMelSpectrogram features, List<Integer> prompt, int languageTokenIndex, GenerationOptions options) {
        public Job {
            Objects.requireNonNull(features, "features");
            prompt = List.copyOf(prompt);
            Objects.requireNonNull(options, "options");
        }
    }

    /** A chunk's result; {@code language} is the detected language's code, or null when the prompt was kept. */
    record Decoded(GenerationResult result, String language) { }

    /** Decodes {@code jobs} (non-empty, equal options and language mode); results in the jobs' order. */
    List<Decoded> decode(WhisperModel model, List<Job> jobs);

    /** Each request's chunks by themselves: one encode and one generate call per pipeline batch. */
    static ChunkDecoder alone() {
        return ChunkDecoder::decodeTogether;
    }

    /** One encode and one generate call over all {@code jobs}: the step every decoder ends in. */
    static List<Decoded> decodeTogether(WhisperModel model, List<Job> jobs) {
        try (EncoderOutput encoded = encode(model, jobs)) {
            return generate(model, jobs, encoded);
        }
    }

    /**
     * The jobs' features, padded or trimmed to 3000 frames (faster-whisper's pad_or_trim), stacked
     * and encoded. Each chunk's rows are copied once, straight into the engine's native batch
     * buffer, which starts zeroed: no padded copy per chunk and no stacked Java array. On the CPU
     * the windows go to the encoder one call each (docs/memory.md: the same values, less memory).
     */
    static EncoderOutput encode(WhisperModel model, List<Job> jobs) {
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException("no chunks to decode");
        }
        int nMels = jobs.getFirst().features().nMels();
        int windowFrames = 3000;
        long stride = (long) nMels * windowFrames;
        try (Arena batch = Arena.ofConfined()) {
            MemorySegment stacked = batch.allocate(ValueLayout.JAVA_FLOAT, jobs.size() * stride);
            for (int i = 0; i < jobs.size(); i++) {
                NativeMelSpectrogram chunk = jobs.get(i).features();
                if (chunk.nMels() != nMels) {
                    throw new IllegalArgumentException("chunk " + i + " has " + chunk.nMels() + " mel bins, chunk 0 has "
                            + nMels);
                }
                int keep = Math.min(chunk.frames(), windowFrames);
                for (int m = 0; m < nMels; m++) {
                    MemorySegment.copy(chunk.data(), ValueLayout.JAVA_FLOAT, (long) m * chunk.frames() * Float.BYTES,
                            stacked, ValueLayout.JAVA_FLOAT, (i * stride + (long) m * windowFrames) * Float.BYTES, keep);
                }
            }
            try (Features input = Features.wrap(stacked, jobs.size(), nMels, windowFrames)) {
                return BatchEncoding.encode(model.engine(), input);
            }
        }
    }

    /** Language detection where the jobs ask for it, then one generate call on {@code encoded}. */
    static List<Decoded> generate(WhisperModel model, List<Job> jobs, EncoderOutput encoded) {
        GenerationOptions options = jobs.getFirst().options();
        boolean detect = jobs.getFirst().languageTokenIndex() >= 0;
        for (Job job : jobs) {
            if (!job.options().equals(options) || (job.languageTokenIndex() >= 0) != detect) {
                throw new IllegalArgumentException("the chunks of one engine call must share generation options"
                        + " and language mode");
            }
        }
        List<List<Integer>> prompts = new ArrayList<>();
        List<String> languages = new ArrayList<>();
        if (detect) {
            List<List<LanguageProbability>> detected = model.engine().detectLanguage(encoded);
            for (int i = 0; i < jobs.size(); i++) {
                Job job = jobs.get(i);
                LanguageProbability top = detected.get(i).getFirst();
                List<Integer> prompt = new ArrayList<>(job.prompt());
                prompt.set(job.languageTokenIndex(), model.vocabulary().tokenToId(top.token()).orElseThrow());
                prompts.add(prompt);
                languages.add(top.code());
            }
        } else {
            for (Job job : jobs) {
                prompts.add(job.prompt());
                languages.add(null);
            }
        }
        List<GenerationResult> results = model.engine().generate(encoded, prompts, options);
        List<Decoded> decoded = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            decoded.add(new Decoded(results.get(i), languages.get(i)));
        }
        return decoded;
    }
}
