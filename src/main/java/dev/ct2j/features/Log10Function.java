package dev.ct2j.features;

/** One of the float32 {@code log10} implementations numpy may call ({@link NumpyPath.Log10}). */
interface Log10Function {

    float log10(float x);

    /** A correctly rounded {@code log10}: the fallback when numpy's own cannot be reproduced. */
    Log10Function CORRECTLY_ROUNDED = x -> (float) StrictMath.log10(x);
}
