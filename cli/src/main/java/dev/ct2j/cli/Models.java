package dev.ct2j.cli;

import dev.ct2j.models.HubCache;
import dev.ct2j.models.HubOptions;
import dev.ct2j.models.ModelResolver;
import dev.ct2j.models.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ct2j models list|download|remove|path}: the models the resolver finds, in both places. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"The Whisper models on this machine: the ct2j store ($CT2J_MODELS, default"
                + " ~/.cache/ct2j/models) and the Hugging Face cache ($HF_HUB_CACHE, default ~/.cache/huggingface/hub).",
                "A NAME is a ct2j store name, a faster-whisper size (" + "tiny, base, small, ...) or a Hub repo id."},
        subcommands = {Models.ListModels.class, Models.Download.class, Models.Remove.class, Models.PathOf.class})
final class Models implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "models needs a subcommand: list, download, remove or path");
    }

    /** The Hub-cache option the subcommands share. */
    static final class HubArgs {
        @Option(names = {"--model-dir", "--model_dir", "--download-root"},
                description = "The Hugging Face cache (download_root; default: $HF_HUB_CACHE, else"
                        + " ~/.cache/huggingface/hub).")
        Path cacheDir;

        HubOptions options(boolean localOnly, boolean progress) {
            HubOptions.Builder b = HubOptions.builder().cacheDir(cacheDir).localFilesOnly(localOnly);
            if (progress) {
                b.progress(new Progress.Download());
            }
            return b.build();
        }

        HubCache cache() {
            return ModelResolver.system().hubCache(options(true, false));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "NAME, SIZE, WHERE (ct2j store or Hub cache) and PATH of every model found, tab-separated.")
    static final class ListModels implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        HubArgs hub;

        @Override
        public Integer call() throws IOException {
            ModelStore store = ModelResolver.system().store();
            System.out.println("NAME\tSIZE\tWHERE\tPATH");
            for (String name : store.modelNames()) {
                Path dir = store.model(name).orElseThrow();
                System.out.println(name + "\t" + human(size(dir)) + "\tct2j store\t" + dir);
            }
            Path root = hub.cache().root();
            if (Files.isDirectory(root)) {
                try (Stream<Path> repos = Files.list(root)) {
                    for (Path repo : repos.filter(p -> p.getFileName().toString().startsWith("models--")).sorted()
                            .toList()) {
                        String id = repo.getFileName().toString().substring("models--".length()).replace("--", "/");
                        String name = sizeName(id).map(s -> s + " (" + id + ")").orElse(id);
                        System.out.println(name + "\t" + human(size(repo)) + "\tHub cache\t" + repo);
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "download", mixinStandardHelpOptions = true,
            description = "Download a model into the Hub cache (a progress bar on a terminal); prints its directory.")
    static final class Download implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "A faster-whisper size or a Hub repo id.")
        String name;

        @picocli.CommandLine.Mixin
        HubArgs hub;

        @Option(names = "--revision", description = "Branch, tag or commit (default: main).")
        String revision;

        @Override
        public Integer call() {
            HubOptions options = hub.options(false, Terminal.stderrIsTerminal()).toBuilder().revision(revision).build();
            System.out.println(ModelResolver.system().resolve(name, options));
            return 0;
        }
    }

    @Command(name = "path", mixinStandardHelpOptions = true,
            description = "Print where a model is, without downloading it (an error if it is not here).")
    static final class PathOf implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "A model directory, store name, faster-whisper size or repo id.")
        String name;

        @picocli.CommandLine.Mixin
        HubArgs hub;

        @Override
        public Integer call() {
            System.out.println(ModelResolver.system().resolve(name, hub.options(true, false)));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Delete a model from the ct2j store, or else from the Hub cache.")
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "A store name, faster-whisper size or repo id.")
        String name;

        @picocli.CommandLine.Mixin
        HubArgs hub;

        @Override
        public Integer call() throws IOException {
            Optional<Path> installed = ModelResolver.system().store().model(name);
            Path target;
            if (installed.isPresent()) {
                target = installed.get();
            } else {
                String id = name.contains("/") ? name : ModelResolver.repoIdFor(name).orElse(null);
                Path storage = id == null ? null : hub.cache().storage(id);
                if (storage == null || !Files.isDirectory(storage, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException("model '" + name + "' is neither in the ct2j store "
                            + ModelResolver.system().store().path() + " nor in the Hub cache " + hub.cache().root());
                }
                target = storage;
            }
            long bytes = size(target);
            deleteTree(target);
            System.out.println("removed " + target + " (" + human(bytes) + ")");
            return 0;
        }
    }

    private static Optional<String> sizeName(String repoId) {
        return ModelResolver.availableModels().stream()
                .filter(s -> ModelResolver.repoIdFor(s).orElse("").equals(repoId)).findFirst();
    }

    /** Bytes of the regular files below, links not followed (the Hub's snapshots link to its blobs). */
    static long size(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

}
