package dev.ct2j.engine;

/** A language token such as "&lt;|en|&gt;" and its probability. */
public record LanguageProbability(String token, float probability) {
    /** The language code without the token markers, as faster-whisper's {@code token[2:-2]}. */
    public String code() {
        return token.length() >= 4 ? token.substring(2, token.length() - 2) : token;
    }
}
