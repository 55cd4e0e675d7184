package dev.ct2j.output;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The output formats, named as whisper-ctranslate2's {@code --output_format} names them, and
 * its file-naming rule. {@code all} is txt, vtt, srt, tsv and json, in that order (the order it
 * writes them); {@code jsonl} is ct2j's own streaming format and not part of {@code all}.
 */
public enum OutputFormat {
    TXT("txt"),
    VTT("vtt"),
    SRT("srt"),
    TSV("tsv"),
    JSON("json"),
    JSONL("jsonl");

    /** What {@code all} stands for. */
    public static final List<OutputFormat> ALL = List.of(TXT, VTT, SRT, TSV, JSON);

    private final String extension;

    OutputFormat(String extension) {
        this.extension = extension;
    }

    /** The file extension, also the format's name on the command line. */
    public String extension() {
        return extension;
    }

    /** A writer for this format; the subtitle options apply to SRT and VTT, {@code prettyJson} to JSON. */
    public TranscriptWriter writer(SubtitleOptions subtitles, boolean prettyJson) {
        return switch (this) {
            case TXT -> new TxtWriter();
            case VTT -> new VttWriter(subtitles);
            case SRT -> new SrtWriter(subtitles);
            case TSV -> new TsvWriter();
            case JSON -> new JsonWriter(prettyJson);
            case JSONL -> new JsonlWriter();
        };
    }

    /** A format by name, case-insensitive; {@code all} gives {@link #ALL}. */
    public static List<OutputFormat> parse(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("all")) {
            return ALL;
        }
        for (OutputFormat format : values()) {
            if (format.extension.equals(lower)) {
                return List.of(format);
            }
        }
        List<String> names = new ArrayList<>();
        for (OutputFormat format : values()) {
            names.add(format.extension);
        }
        names.add("all");
        throw new IllegalArgumentException("unknown output format '" + name + "' (" + String.join(", ", names) + ")");
    }

    /**
     * Where whisper-ctranslate2 writes this format for an audio file: in {@code outputDir}, the
     * audio's file name without its last extension, then this one. The name is split as Python's
     * {@code os.path.splitext} splits it: leading dots never start an extension
     * ({@code .hidden} stays whole, {@code a.b.flac} gives {@code a.b}).
     */
    public Path outputPath(Path outputDir, String audioPath) {
        return outputDir.resolve(stem(audioPath) + "." + extension);
    }

    /** os.path.splitext(os.path.basename(path))[0]. */
    static String stem(String audioPath) {
        String base = audioPath.substring(audioPath.lastIndexOf('/') + 1);
        int dot = base.lastIndexOf('.');
        for (int i = 0; i < dot; i++) {
            if (base.charAt(i) != '.') {
                return base.substring(0, dot);
            }
        }
        return base;
    }

    /** Writes the transcript to {@link #outputPath} in UTF-8, replacing the file; returns the path. */
    public Path writeFile(Transcript transcript, Path outputDir, String audioPath, SubtitleOptions subtitles,
                          boolean prettyJson) throws IOException {
        Path file = outputPath(outputDir, audioPath);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writer(subtitles, prettyJson).write(transcript, out);
        }
        return file;
    }
}
