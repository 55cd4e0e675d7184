package dev.ct2j.transcribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The inputs {@link KwargsPropertiesTest} found, shrunk, each as it failed before its fix. */
class KwargsRegressionTest {

    private static IllegalArgumentException rejected(String json) {
        return assertThrows(IllegalArgumentException.class,
                () -> FasterWhisperKwargs.toOptions(KwargsPropertiesTest.JSON.readTree(json)), json);
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' not in: " + message);
        }
    }

    // Was "expected a string, got true": no option named.
    @Test
    void aStringOptionOfAnotherTypeIsNamed() {
        assertContains(rejected("{\"language\": true}").getMessage(), "language", "true");
        assertContains(rejected("{\"initial_prompt\": -2.7599671707883022E221}").getMessage(),
                "initial_prompt", "-2.7599671707883022E221");
        assertContains(rejected("{\"hotwords\": {\"a\": 1}}").getMessage(), "hotwords", "{\"a\":1}");
    }

    // Was accepted: 1e39 passes "> 0" but reaches CTranslate2 as a float Infinity.
    @Test
    void aPenaltyPastFloatRangeIsRefused() {
        assertContains(rejected("{\"patience\": 1e39}").getMessage(), "patience", "1.0E39");
        assertContains(rejected("{\"repetition_penalty\": 1e39}").getMessage(), "repetition_penalty");
        assertContains(rejected("{\"length_penalty\": -1e39}").getMessage(), "length_penalty");
    }

    // Was "punctuation strings must not be null": neither option named.
    @Test
    void nullPunctuationIsNamed() {
        assertContains(rejected("{\"prepend_punctuations\": null}").getMessage(), "prepend_punctuations", "null");
        assertContains(rejected("{\"append_punctuations\": null}").getMessage(), "append_punctuations", "null");
    }

    // Was "temperature must not be empty": the value not shown.
    @Test
    void emptyTemperatureListShowsTheValue() {
        assertContains(rejected("{\"temperature\": []}").getMessage(), "temperature", "[]");
    }

    // Was "VAD durations must be >= 0": neither the field nor the value.
    @Test
    void negativeVadDurationNamesTheFieldAndValue() {
        assertContains(rejected("{\"vad_parameters\": {\"min_speech_duration_ms\": -1}}").getMessage(),
                "min_speech_duration_ms", "-1");
        assertContains(rejected("{\"vad_parameters\": {\"min_silence_duration_ms\": -7}}").getMessage(),
                "min_silence_duration_ms", "-7");
        assertContains(rejected("{\"vad_parameters\": {\"speech_pad_ms\": -2147483648}}").getMessage(),
                "speech_pad_ms", "-2147483648");
    }

    // The string form read by Double.parseDouble took Java's syntax, not Python's float(): "5d"
    // was 5.0 where faster-whisper raises ValueError, and "1_000" an error where it reads 1000.0.
    // Each expectation below is Python 3's float() of the part (None: ValueError).
    @Test
    void clipTimestampStringsReadAsPythonFloatReadsThem() {
        Map<String, Double> python = new LinkedHashMap<>();
        python.put("5d", null);
        python.put("5f", null);
        python.put("1D", null);
        python.put("0x1p4", null);
        python.put("1__0", null);
        python.put("_1", null);
        python.put("1_", null);
        python.put("1_.5", null);
        python.put(".", null);
        python.put("e5", null);
        python.put("1e", null);
        python.put("--1", null);
        python.put("1 2", null);
        python.put("infinit", null);
        python.put("1_000", 1000.0);
        python.put("1_0.5", 10.5);
        python.put("1.5_0", 1.5);
        python.put("1e1_0", 1e10);
        python.put("1.e3", 1000.0);
        python.put("+.5e-3", 0.0005);
        python.put("5.", 5.0);
        python.put(" 7 ", 7.0);
        python.put("inf", Double.POSITIVE_INFINITY);
        python.put("-INF", Double.NEGATIVE_INFINITY);
        python.put("Infinity", Double.POSITIVE_INFINITY);
        python.put("+nAn", Double.NaN);
        for (Map.Entry<String, Double> c : python.entrySet()) {
            String clips = "0," + c.getKey();
            if (c.getValue() == null) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> TranscriptionOptions.parseClipTimestamps(clips), clips);
                assertContains(e.getMessage(), "clip_timestamps", "'" + c.getKey() + "'");
            } else {
                assertEquals(List.of(0.0, c.getValue()), TranscriptionOptions.parseClipTimestamps(clips), clips);
            }
        }
        // What reads as inf or nan is then refused by name, as faster-whisper's round() refuses it.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TranscriptionOptions.builder().clipTimestamps("0,inf").build());
        assertContains(e.getMessage(), "clip_timestamps", "Infinity");
        assertNull(TranscriptionOptions.parseClipTimestamps("0"));
    }

    // Guards the Python-float scanner above: a number of 20,000 digits is one part like any other
    // (a regex with a repeated group would recurse once per digit and overflow the stack).
    @Test
    void aVeryLongClipNumberIsReadWithoutRecursion() {
        char[] digits = new char[20_000];
        Arrays.fill(digits, '1');
        String clips = new String(digits) + "_1,0";
        List<Double> values = TranscriptionOptions.parseClipTimestamps(clips);
        assertEquals(List.of(Double.POSITIVE_INFINITY, 0.0), values);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TranscriptionOptions.builder().clipTimestamps(clips).build());
        assertContains(e.getMessage(), "clip_timestamps");
    }
}
