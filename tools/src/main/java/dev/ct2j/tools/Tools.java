package dev.ct2j.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The project's own runners, kept out of the user CLI: parity/check runs {@code parity-run},
 * parity/check-ct2 runs {@code ct2-parity-run},
 * benchmarks/engine-vs-wheel.sh runs {@code bench-engine}. {@link MemCheck} is here too, and the
 * user CLI registers it as its {@code memcheck} command.
 */
@Command(name = "ct2j-tools", mixinStandardHelpOptions = true, version = "ct2j-tools 0.1.0",
        description = "ct2j's development runners (parity, writers, engine benchmark, memory check).",
        subcommands = {ParityRun.class, Ct2ParityRun.class, WriteOutputs.class, BenchEngine.class,
                MemCheck.class})
public final class Tools {
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Tools());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("ct2j-tools: error: " + oneLine(e));
            return 1;
        });
        System.exit(cli.execute(args));
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ');
    }
}
