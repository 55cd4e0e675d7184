package dev.ct2j.audio;

/** The two channels of a stereo file, decoded separately (faster-whisper's split_stereo). */
public record StereoAudio(float[] left, float[] right) {}
