package dev.ct2j.ctranslate2;

/**
 * CTranslate2's {@code EncoderForwardOutput}, copied to the host as float32.
 *
 * @param lastHiddenState [batch][position][hidden]; positions past a sequence's length are padding
 * @param poolerOutput    [batch][hidden], or null when the model has no pooler
 */
public record EncoderForwardOutput(float[][][] lastHiddenState, float[][] poolerOutput) {}
