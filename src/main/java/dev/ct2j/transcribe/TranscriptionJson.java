package dev.ct2j.transcribe;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.ct2j.engine.LanguageProbability;
import java.io.IOException;

/** JSON with faster-whisper's field names (snake_case); language probabilities as [code, p] pairs. */
public final class TranscriptionJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .registerModule(new SimpleModule().addSerializer(LanguageProbability.class, new PairSerializer()));

    private TranscriptionJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private static final class PairSerializer extends JsonSerializer<LanguageProbability> {
        @Override
        public void serialize(LanguageProbability value, JsonGenerator gen, SerializerProvider serializers)
                throws IOException {
            gen.writeStartArray();
            gen.writeString(value.code());
            gen.writeNumber((double) value.probability());
            gen.writeEndArray();
        }
    }
}
