package dev.ct2j.tokenizer;

import java.util.List;

/**
 * Token ids grouped into words, as {@code split_to_word_tokens} returns them: {@code words.get(i)}
 * is the decoded text of {@code tokens.get(i)}. Words may be empty strings (an {@code eot}) or
 * contain U+FFFD (a byte sequence that never completes into a character).
 */
public record WordTokens(List<String> words, List<List<Integer>> tokens) {

    public WordTokens {
        words = List.copyOf(words);
        tokens = tokens.stream().map(List::copyOf).toList();
        if (words.size() != tokens.size()) {
            throw new IllegalArgumentException(
                    words.size() + " words but " + tokens.size() + " token groups");
        }
    }

    public int size() {
        return words.size();
    }
}
