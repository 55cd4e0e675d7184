package dev.ct2j.ctranslate2;

import dev.ct2j.bindings.ct2j_h;
import dev.ct2j.natives.NativeStrings;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's vocabulary, copied once at load: token strings by id and ids by token. Lookups of a
 * token it does not have give {@link #unkId()}, as CTranslate2 reads token strings.
 */
public final class Vocabulary {
    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private final int unkId;
    private final int bosId;
    private final int eosId;

    private Vocabulary(List<String> tokens, Map<String, Integer> ids, int unkId, int bosId, int eosId) {
        this.tokens = tokens;
        this.ids = ids;
        this.unkId = unkId;
        this.bosId = bosId;
        this.eosId = eosId;
    }

    static Vocabulary read(MemorySegment vocabulary) {
        int size = (int) ct2j_h.ct2j_vocabulary_size(vocabulary);
        List<String> tokens = new ArrayList<>(size);
        Map<String, Integer> ids = new HashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            String token = NativeStrings.read(ct2j_h.ct2j_vocabulary_token(vocabulary, i));
            tokens.add(token);
            ids.putIfAbsent(token, i); // CTranslate2 keeps the first id of a repeated token
        }
        return new Vocabulary(Collections.unmodifiableList(tokens), Collections.unmodifiableMap(ids),
                ct2j_h.ct2j_vocabulary_unk_id(vocabulary), ct2j_h.ct2j_vocabulary_bos_id(vocabulary),
                ct2j_h.ct2j_vocabulary_eos_id(vocabulary));
    }

    public int size() {
        return tokens.size();
    }

    /** The token of an id; throws IllegalArgumentException outside [0, size). */
    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + tokens.size() + ")");
        }
        return tokens.get(id);
    }

    /** The id of a token, or {@link #unkId()} if the vocabulary does not have it. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? unkId : id;
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    public List<String> tokens() {
        return tokens;
    }

    public List<String> tokens(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(token(id));
        }
        return List.copyOf(out);
    }

    public int[] ids(List<String> tokens) {
        int[] out = new int[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            String token = tokens.get(i);
            if (token == null) {
                throw new IllegalArgumentException("token lists must not contain null");
            }
            out[i] = id(token);
        }
        return out;
    }

    public int unkId() {
        return unkId;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }
}
