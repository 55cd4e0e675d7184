package dev.ct2j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ct2j.audio.AudioDecodeException;
import dev.ct2j.engine.EngineException;
import dev.ct2j.models.ModelDownloadException;
import dev.ct2j.natives.NativeLibraryException;
import dev.ct2j.tools.MemCheck;
import dev.ct2j.trace.PhaseTrace;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The ct2j command line. Bad input ends with a one-line error and exit code 2; a run over many
 * inputs reports each failed one in a line and exits 1 (see {@link Transcribe}).
 */
@Command(name = "ct2j", mixinStandardHelpOptions = true, version = "ct2j 0.1.0",
        description = "faster-whisper for the JVM: transcribe audio with CTranslate2.")
public final class Main {
    static final int EXIT_BAD_INPUT = 2;

    /** The launcher passes the real stdout as this file descriptor (fd 1 is stderr, see FdOutputStream). */
    static final String STDOUT_FD_PROPERTY = "ct2j.stdout.fd";

    public static void main(String[] args) {
        PhaseTrace.mark("main");
        String stdoutFd = System.getProperty(STDOUT_FD_PROPERTY);
        if (stdoutFd != null) {
            System.setOut(new java.io.PrintStream(new java.io.BufferedOutputStream(
                    new FdOutputStream(Integer.parseInt(stdoutFd)), 8192), true, System.out.charset()));
        }
        int exit = run(args);
        System.out.flush();
        System.exit(exit);
    }

    // picocli builds a command's model by reflection over every option, and its classes (Java 5
    // class files) stay out of the AOT cache: building all four commands took 0.2 s of every run.
    // So a run builds only the command it names; help, --version and typos get them all.
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();
    static {
        COMMANDS.put("transcribe", Transcribe::new);
        COMMANDS.put("detect-language", DetectLanguage::new);
        COMMANDS.put("models", Models::new);
        COMMANDS.put("memcheck", MemCheck::new);
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        Supplier<Object> named = args.length > 0 ? COMMANDS.get(args[0]) : null;
        if (named != null) {
            cli.addSubcommand(args[0], named.get());
        } else {
            COMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("ct2j: error: " + oneLine(e));
            return isBadInput(e) ? EXIT_BAD_INPUT : 1;
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            e.getCommandLine().getErr().println("ct2j: error: " + e.getMessage());
            return EXIT_BAD_INPUT;
        });
        return cli.execute(args);
    }

    static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof AudioDecodeException
                || e instanceof ModelDownloadException
                || e instanceof NativeLibraryException
                || e instanceof EngineException ee && ee.kind() != EngineException.Kind.INTERNAL
                        && ee.kind() != EngineException.Kind.OUT_OF_MEMORY;
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ');
    }

    // Python's json reads NaN and Infinity, so --options does too: the option's own check then
    // names it ("temperature must be finite ..."). Malformed JSON is bad input, in one line.
    // As Python's json.loads: NaN and Infinity are numbers, and anything after the value is an error.
    // In a holder, so that commands without --options (and --help, --version) never load Jackson.
    private static final class OptionsJson {
        static final ObjectMapper MAPPER = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
    }

    static JsonNode parseOptions(String json) {
        ObjectMapper mapper = OptionsJson.MAPPER;
        try (var parser = mapper.createParser(json)) {
            JsonNode options = mapper.readTree(parser);
            long end = parser.currentLocation().getColumnNr();
            if (options == null) {
                throw new IllegalArgumentException("--options is not valid JSON: it is empty");
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("--options is not valid JSON: content after the value, which ends"
                        + " at column " + end);
            }
            return options;
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            throw new IllegalArgumentException("--options is not valid JSON: " + e.getOriginalMessage()
                    + (where == null ? "" : " (column " + where.getColumnNr() + ")"), e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
