/**
 * CTranslate2's text models from Java: {@link dev.ct2j.ctranslate2.Translator} (encoder-decoder,
 * e.g. OPUS-MT, NLLB, M2M), {@link dev.ct2j.ctranslate2.Generator} (decoder-only, e.g. Llama or
 * GPT-style) and {@link dev.ct2j.ctranslate2.Encoder} (BERT-style), as {@code ctranslate2.Translator},
 * {@code ctranslate2.Generator} and {@code ctranslate2.Encoder} are in Python. Tokens go in and
 * come out as the model's vocabulary tokens (or their ids): the caller owns tokenization
 * ({@link dev.ct2j.ctranslate2.TextTokenizer} reads a Hugging Face {@code tokenizer.json}).
 *
 * <p>Lifetime is the Whisper model's: every model is {@link java.lang.AutoCloseable}; close waits
 * for the calls in flight, then frees everything; a call after close throws
 * {@link java.lang.IllegalStateException}; unload and load never silently do nothing.
 */
package dev.ct2j.ctranslate2;
