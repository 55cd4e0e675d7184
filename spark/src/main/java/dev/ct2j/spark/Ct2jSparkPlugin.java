package dev.ct2j.spark;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * {@code spark.plugins=dev.ct2j.spark.Ct2jSparkPlugin}: closes the executor's models when the
 * executor shuts down, so that native memory is freed while the JVM is still orderly (before
 * Spark's own shutdown hooks and the worker's kill). Without the plugin the models are still
 * closed, by the JVM shutdown hook that {@link ExecutorModels} registers; the plugin makes it
 * happen at the executor's stop rather than at whatever point the process dies. With
 * {@link WhisperTranscriber#preloadConf()} in the conf, it also loads the model as the executor
 * starts.
 */
public final class Ct2jSparkPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        // Nothing to do on the driver: models live only where tasks run.
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                ExecutorModels.attach(ctx.conf(), ctx.executorID());
                ExecutorModels.record("plugin-init executor=" + ctx.executorID());
                ExecutorModels.preload(ctx.conf(), ctx.executorID());
            }

            @Override
            public void shutdown() {
                ExecutorModels.closeAll("plugin");
            }
        };
    }
}
