package dev.ct2j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ct2j.audio.AudioDecoder;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.EngineRuntime;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.output.OutputFormat;
import dev.ct2j.output.SubtitleOptions;
import dev.ct2j.output.Transcript;
import dev.ct2j.transcribe.FasterWhisperKwargs;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The ct2j side of parity/writers-check.sh: transcribes audio files and writes them with the
 * library's writers under whisper-ctranslate2's option names and file names, or, with
 * {@code --from-json}, writes the segments of whisper-ctranslate2's own JSON files (the writers
 * alone, whatever the decoding did).
 */
@Command(name = "write-outputs", description = "Transcribe and write txt/vtt/srt/tsv/json files (used by parity/writers-check.sh).")
final class WriteOutputs implements Callable<Integer> {
    @Parameters(description = "Audio files; their names name the outputs.")
    List<String> audio;

    @Option(names = "--output-dir", defaultValue = ".", description = "Where to write (default: ${DEFAULT-VALUE}).")
    Path outputDir;

    @Option(names = "--output-format", defaultValue = "all", description = "txt, vtt, srt, tsv, json, jsonl or all.")
    String outputFormat;

    @Option(names = "--model", defaultValue = "base", description = "Model name or directory.")
    String model;

    @Option(names = "--compute-type", defaultValue = "default", description = "CTranslate2 compute type.")
    String computeType;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (cpu_threads).")
    int threads;

    @Option(names = "--options", description = "faster-whisper transcribe() arguments as JSON.")
    String kwargs;

    @Option(names = "--seed", defaultValue = "0", description = "CTranslate2's sampler seed (temperature fallback).")
    int seed;

    @Option(names = "--from-json", description = "Read each audio's segments from DIR/<name>.json instead of transcribing.")
    Path fromJson;

    @Option(names = "--highlight-words", description = "Underline each word as it is spoken (srt, vtt).")
    boolean highlightWords;

    @Option(names = "--max-line-width", description = "Characters per line (srt, vtt).")
    Integer maxLineWidth;

    @Option(names = "--max-line-count", description = "Lines per cue (srt, vtt).")
    Integer maxLineCount;

    @Option(names = "--max-words-per-line", description = "Words per line (srt, vtt).")
    Integer maxWordsPerLine;

    @Option(names = "--pretty-json", description = "Indented JSON, non-ASCII kept.")
    boolean prettyJson;

    @Override
    public Integer call() throws Exception {
        List<OutputFormat> formats = OutputFormat.parse(outputFormat);
        SubtitleOptions subtitles = SubtitleOptions.builder().highlightWords(highlightWords).maxLineWidth(maxLineWidth)
                .maxLineCount(maxLineCount).maxWordsPerLine(maxWordsPerLine).build();
        Files.createDirectories(outputDir);
        Path dir = outputDir.toAbsolutePath();
        if (fromJson != null) {
            for (String file : audio) {
                Transcript transcript;
                try (Reader in = Files.newBufferedReader(OutputFormat.JSON.outputPath(fromJson, file),
                        StandardCharsets.UTF_8)) {
                    transcript = Transcript.readJson(in);
                }
                write(transcript, formats, dir, file, subtitles);
            }
            return 0;
        }
        TranscriptionOptions options = FasterWhisperKwargs.apply(TranscriptionOptions.builder(),
                kwargs == null ? null : new ObjectMapper().readTree(kwargs)).build();
        // Before the model's first sampling: CTranslate2 seeds each worker thread's generator once,
        // on first use, so one seed covers all the files, as on whisper-ctranslate2's side.
        EngineRuntime.setRandomSeed(seed);
        try (WhisperModel whisper = WhisperModel.load(model, ModelOptions.builder().device(Device.CPU)
                .computeType(computeType).intraThreads(threads).build())) {
            for (String file : audio) {
                Transcript transcript;
                try (Transcription transcription = whisper.transcribe(AudioDecoder.decode(Path.of(file)), options)) {
                    transcript = Transcript.of(transcription);
                }
                write(transcript, formats, dir, file, subtitles);
            }
        }
        return 0;
    }

    private void write(Transcript transcript, List<OutputFormat> formats, Path dir, String file,
                       SubtitleOptions subtitles) throws Exception {
        for (OutputFormat format : formats) {
            format.writeFile(transcript, dir, file, subtitles, prettyJson);
        }
    }
}
