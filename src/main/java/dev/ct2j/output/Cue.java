package dev.ct2j.output;

/**
 * One subtitle cue: its times already formatted for the format ({@code 00:00:01,000} in SRT,
 * {@code 00:01.000} in VTT) and its text, lines separated by {@code \n}.
 */
public record Cue(String start, String end, String text) {}
