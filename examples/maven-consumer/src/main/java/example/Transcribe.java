package example;

import dev.ct2j.transcribe.Segment;
import dev.ct2j.transcribe.Transcription;
import dev.ct2j.transcribe.TranscriptionOptions;
import dev.ct2j.transcribe.WhisperModel;
import java.nio.file.Path;

/** java --enable-native-access=ALL-UNNAMED -cp ... example.Transcribe MODEL AUDIO */
public class Transcribe {
    public static void main(String[] args) {
        try (WhisperModel model = WhisperModel.load(args[0]);    // "base", "large-v3", org/repo or a folder
             Transcription result = model.transcribe(Path.of(args[1]), TranscriptionOptions.defaults())) {
            System.out.printf("language %s (%.2f)%n", result.info().language(), result.info().languageProbability());
            for (Segment s : result) {
                System.out.printf("[%.2fs -> %.2fs] %s%n", s.start(), s.end(), s.text());
            }
        }
    }
}
