package dev.ct2j.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Python semantics the writers rest on, checked against the venv's Python on the same
 * inputs: repr(float), json.dumps' string escaping, os.path.splitext file stems, the highlight
 * regex, and format_timestamp / round(1000 * t).
 */
class PythonFormatsTest {
    @Test
    void floatReprMatchesPython() {
        List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.6000000000000001, 1e-4,
                9.999e-5, 1e-5, 1.5e-7, 123456789012345.0, 1e15, 9999999999999998.0, 1e16, 1.2345e16, 1e22, 1e23,
                Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, 7.34, 0.0920693501830101, -0.2864120179607022,
                1.35, 100.0, 5e-324, 2.5, 0.5, 12.0, 1234.5678));
        Random random = new Random(14);
        for (int i = 0; i < 3000; i++) {
            values.add(Double.longBitsToDouble(random.nextLong()));
            values.add(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            values.add(Math.round(random.nextDouble() * 30000) / 100.0);
        }
        values.removeIf(v -> Double.isNaN(v) || Double.isInfinite(v));
        StringBuilder in = new StringBuilder();
        StringBuilder ours = new StringBuilder();
        for (double v : values) {
            in.append(Double.toHexString(v)).append('\n');
            ours.append(PythonFloat.repr(v)).append('\n');
        }
        String python = PythonOracle.run("""
                import sys
                for line in sys.stdin.read().split():
                    print(repr(float.fromhex(line)))
                """, in.toString());
        assertEquals(python, ours.toString());
        assertEquals("NaN Infinity -Infinity", PythonFloat.repr(Double.NaN) + " " + PythonFloat.repr(Double.POSITIVE_INFINITY)
                + " " + PythonFloat.repr(Double.NEGATIVE_INFINITY));
    }

    private static final List<String> STRINGS = List.of("", " And so,", "quote \" backslash \\ slash /",
            "tab\tnew\nline\rcr\bbs\fff", "\u0000\u0001\u001f\u007f\u0080", "é ü ß ñ", "日本語のテキスト",
            "emoji 😀 🎉", "\u00a0nbsp\u2028sep\u2029", "\ud800 lone", "-->");

    @Test
    void jsonStringsMatchPython() {
        StringBuilder ours = new StringBuilder();
        for (String s : STRINGS) {
            ours.append(PythonJson.toString(s, 0, true)).append('\n');
            ours.append(PythonJson.toString(List.of(s, 1, 2.5), 4, false)).append('\n');
        }
        // The strings travel as JSON with ASCII escapes, so that the lone surrogate survives.
        String python = PythonOracle.run("""
                import json, sys
                for s in json.loads(sys.stdin.read()):
                    print(json.dumps(s))
                    print(json.dumps([s, 1, 2.5], indent=4, ensure_ascii=False))
                """, PythonJson.toString(STRINGS, 0, true));
        // Python's stdout cannot encode a lone surrogate as UTF-8; compare that line escaped.
        assertEquals(python, ours.toString().replace("\ud800", "\\ud800"));
    }

    @Test
    void fileStemsMatchOsPathSplitext() {
        List<String> paths = List.of("jfk.flac", "/work/shared/data/multilingual.mp3", "a.b.c.wav", ".hidden",
                "..x.mp3", "...", "noext", "dir.d/file", "x.", "./rel/path.tar.gz", "dir/.hidden.flac", "..", "a..b");
        StringBuilder ours = new StringBuilder();
        for (String p : paths) {
            ours.append(OutputFormat.stem(p)).append('\n');
        }
        String python = PythonOracle.run("""
                import os, sys
                for p in sys.stdin.read().splitlines():
                    print(os.path.splitext(os.path.basename(p))[0])
                """, String.join("\n", paths));
        assertEquals(python, ours.toString());
        assertEquals(java.nio.file.Path.of("/out/jfk.srt"), OutputFormat.SRT.outputPath(java.nio.file.Path.of("/out"),
                "/work/shared/data/jfk.flac"));
    }

    @Test
    void underlineMatchesTheHighlightRegex() {
        List<String> words = List.of(" And", "And", "\nfoo", "\n\n foo", "foo\n", " a\nb", "a\nb\n", "", " ", "\n",
                " \n", "\u00a0x", "\u3000全角", " x\u2028y", "\n\nfoo\n", " -->");
        StringBuilder ours = new StringBuilder();
        for (String w : words) {
            ours.append(PythonJson.toString(SubtitleCues.underline(w), 0, true)).append('\n');
        }
        String python = PythonOracle.run("""
                import json, re, sys
                for w in json.loads(sys.stdin.read()):
                    print(json.dumps(re.sub(r"^(\\s*)(.*)$", r"\\1<u>\\2</u>", w)))
                """, PythonJson.toString(words, 0, true));
        assertEquals(python, ours.toString());
    }

    @Test
    void timestampsMatchWhisperCtranslate2() {
        List<Double> times = new ArrayList<>(List.of(0.0, 0.0005, 0.0015, 0.0025, 1.0, 7.34, 59.9995, 60.0, 3599.9994,
                3599.9995, 3600.0, 36000.5, 100000.123, 0.1 + 0.2, 2.675, 1e-9));
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            times.add(Math.round(random.nextDouble() * 8_000_000) / 1000.0);
            times.add(random.nextDouble() * 10000);
        }
        StringBuilder in = new StringBuilder();
        StringBuilder ours = new StringBuilder();
        for (double t : times) {
            in.append(Double.toHexString(t)).append('\n');
            ours.append(Timestamps.format(t, true, ',')).append(' ').append(Timestamps.format(t, false, '.'))
                    .append(' ').append(Timestamps.milliseconds(t)).append('\n');
        }
        String python = PythonOracle.run("""
                import sys
                from whisper_ctranslate2.writers import format_timestamp
                for line in sys.stdin.read().split():
                    t = float.fromhex(line)
                    print(format_timestamp(t, True, ","), format_timestamp(t, False, "."), round(1000 * t))
                """, in.toString());
        assertEquals(python, ours.toString());
    }
}
