package dev.ct2j.cli;

import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.models.HubOptions;
import dev.ct2j.transcribe.LifetimeOptions;
import dev.ct2j.engine.ModelDirectory;
import dev.ct2j.transcribe.WhisperModel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The model options every model-using command shares (a picocli mixin), under ct2j's kebab-case
 * names and whisper-ctranslate2's underscore spellings.
 */
final class ModelArgs {
    @Option(names = {"--model", "--model_directory", "--model-directory"}, defaultValue = ModelDirectory.DEFAULT_MODEL,
            description = "A model directory, a name in the ct2j store, a faster-whisper size (tiny, base, small,"
                    + " ...) or a Hugging Face repo id (default: ${DEFAULT-VALUE}; whisper-ctranslate2's is small).")
    String model;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = {"--device-index", "--device_index"}, defaultValue = "0",
            description = "GPU to use (default: ${DEFAULT-VALUE}).")
    int deviceIndex;

    @Option(names = {"--compute-type", "--compute_type"}, defaultValue = "auto",
            description = "CTranslate2 compute type: auto, default, int8, int8_float16, int8_float32, int16, float16,"
                    + " float32, bfloat16, ... (default: ${DEFAULT-VALUE}, as whisper-ctranslate2; the library's"
                    + " default is 'default', the type the model was saved in).")
    String computeType;

    @Option(names = "--threads", defaultValue = "0",
            description = "CPU threads per worker (cpu_threads; default: ${DEFAULT-VALUE}, CTranslate2 decides).")
    int threads;

    @Option(names = {"--workers", "--num-workers"}, defaultValue = "1",
            description = "Model workers (num_workers; default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = {"--model-dir", "--model_dir", "--download-root"},
            description = "The Hugging Face cache to download into and look in (download_root; default:"
                    + " $HF_HUB_CACHE, else ~/.cache/huggingface/hub).")
    Path downloadRoot;

    @Option(names = {"--local-files-only", "--local_files_only"}, arity = "0..1", fallbackValue = "true",
            description = "Never use the network: only models already downloaded (default: false).")
    boolean localFilesOnly;

    ModelOptions options() {
        return ModelOptions.builder().device(Device.of(device)).deviceIndex(deviceIndex).computeType(computeType)
                .intraThreads(threads).interThreads(workers).build();
    }

    HubOptions hub(boolean showProgress) {
        HubOptions.Builder hub = HubOptions.builder().localFilesOnly(localFilesOnly).cacheDir(downloadRoot);
        if (showProgress) {
            hub.progress(new Progress.Download());
        }
        return hub.build();
    }

    WhisperModel load(boolean showProgress) {
        return load(resolve(showProgress));
    }

    /** The model's directory, found (downloaded if needed) and checked, not loaded. */
    ModelDirectory resolve(boolean showProgress) {
        return WhisperModel.resolve(model, hub(showProgress));
    }

    WhisperModel load(ModelDirectory directory) {
        return WhisperModel.load(directory, options(), LifetimeOptions.defaults());
    }
}
