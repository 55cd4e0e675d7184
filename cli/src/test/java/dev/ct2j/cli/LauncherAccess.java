package dev.ct2j.cli;

/** {@link Launcher#ready()} for the tests in other packages. */
public final class LauncherAccess {
    private LauncherAccess() {}

    public static java.nio.file.Path ready() throws Exception {
        return Launcher.ready();
    }
}
