package dev.ct2j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ct2j.engine.Device;
import dev.ct2j.engine.ModelOptions;
import dev.ct2j.transcribe.BatchedInferencePipeline;
import dev.ct2j.transcribe.FasterWhisperKwargs;
import dev.ct2j.transcribe.TranscriptionOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@code Transformer} that transcribes a column of audio with ct2j: the bytes that
 * {@code spark.read.format("binaryFile")} gives ({@code content}, the default input column), or
 * paths (a string column; local paths or any Hadoop file system URI). It appends
 * {@code language}, {@code language_probability}, {@code duration}, {@code segments} and
 * {@code error} (see {@link TranscriptionRows}); an input that fails gets a row with only
 * {@code error} set, unless {@code failOnError} is on.
 *
 * <p>The transcription params are faster-whisper's {@code transcribe} arguments in Spark's
 * camelCase ({@code beamSize} is {@code beam_size}, {@code vadParameters} is
 * {@code vad_parameters} as a JSON object). An unset param takes faster-whisper's default for
 * the pipeline in use (sequential, or batched when {@code batchSize > 0}), so the stage behaves
 * exactly like the library call with the same arguments. Python's None for the thresholds that
 * default to a number is NaN here.
 *
 * <p>Each executor JVM loads the model once, on its first task, and shares it across its task
 * threads through {@link ExecutorModels}; {@code numWorkers} (CTranslate2's inter_threads)
 * defaults to the executor's task slots and {@code cpuThreads} (intra_threads) to
 * {@code spark.task.cpus}, so N concurrent tasks are N replicas' worth of threads over one copy
 * of the weights, using the cores Spark gave them and no more.
 */
public final class WhisperTranscriber extends Transformer implements DefaultParamsWritable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LOCAL_MASTER = Pattern.compile("local\\[(\\d+|\\*)(?:,\\d+)?]");

    private final String uid;

    // ---- the stage's own params ----------------------------------------------------------------
    private final Param<String> inputCol;
    private final Param<String> model;
    private final Param<String> device;
    private final Param<String> computeType;
    private final IntParam batchSize;
    private final IntParam cpuThreads;
    private final IntParam numWorkers;
    private final BooleanParam failOnError;

    // ---- faster-whisper's transcribe arguments (unset: faster-whisper's default) ------------------
    private final Param<String> language;
    private final Param<String> task;
    private final IntParam beamSize;
    private final IntParam bestOf;
    private final DoubleParam patience;
    private final DoubleParam lengthPenalty;
    private final DoubleParam repetitionPenalty;
    private final IntParam noRepeatNgramSize;
    private final DoubleArrayParam temperature;
    private final DoubleParam compressionRatioThreshold;
    private final DoubleParam logProbThreshold;
    private final DoubleParam noSpeechThreshold;
    private final BooleanParam conditionOnPreviousText;
    private final DoubleParam promptResetOnTemperature;
    private final Param<String> initialPrompt;
    private final IntArrayParam initialPromptTokens;
    private final Param<String> prefix;
    private final BooleanParam suppressBlank;
    private final IntArrayParam suppressTokens;
    private final BooleanParam withoutTimestamps;
    private final DoubleParam maxInitialTimestamp;
    private final BooleanParam wordTimestamps;
    private final Param<String> prependPunctuations;
    private final Param<String> appendPunctuations;
    private final BooleanParam multilingual;
    private final BooleanParam vadFilter;
    private final Param<String> vadParameters;
    private final IntParam maxNewTokens;
    private final IntParam chunkLength;
    private final Param<String> clipTimestamps;
    private final DoubleParam hallucinationSilenceThreshold;
    private final Param<String> hotwords;
    private final DoubleParam languageDetectionThreshold;
    private final IntParam languageDetectionSegments;

    public WhisperTranscriber() {
        this(Identifiable.randomUID("whisperTranscriber"));
    }

    /** The constructor Spark's reader calls when it loads a saved stage. */
    public WhisperTranscriber(String uid) {
        // Params are created here, after uid is set, because a Param records its parent's uid.
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "input column: binary audio (binaryFile's content) or a path string");
        model = new Param<>(this, "model", "model: a faster-whisper size, an org/repo id, a ct2j store name or a directory");
        device = new Param<>(this, "device", "cpu, cuda or auto");
        computeType = new Param<>(this, "computeType", "CTranslate2 compute type (faster-whisper's compute_type)");
        batchSize = new IntParam(this, "batchSize", "0: faster-whisper's sequential transcribe; N > 0: the batched pipeline, N chunks per call");
        cpuThreads = new IntParam(this, "cpuThreads", "threads per replica (cpu_threads); 0: spark.task.cpus");
        numWorkers = new IntParam(this, "numWorkers", "replicas per executor (num_workers, inter_threads); 0: the executor's task slots");
        failOnError = new BooleanParam(this, "failOnError", "fail the task on an input that cannot be transcribed, instead of an error row");
        setDefault(inputCol, "content");
        setDefault(model, "base");
        setDefault(device, "auto");
        setDefault(computeType, "default");
        setDefault(batchSize, 0);
        setDefault(cpuThreads, 0);
        setDefault(numWorkers, 0);
        setDefault(failOnError, false);

        language = new Param<>(this, "language", "language code, e.g. en; unset detects it");
        task = new Param<>(this, "task", "transcribe or translate");
        beamSize = new IntParam(this, "beamSize", "beam_size");
        bestOf = new IntParam(this, "bestOf", "best_of");
        patience = new DoubleParam(this, "patience", "patience");
        lengthPenalty = new DoubleParam(this, "lengthPenalty", "length_penalty");
        repetitionPenalty = new DoubleParam(this, "repetitionPenalty", "repetition_penalty");
        noRepeatNgramSize = new IntParam(this, "noRepeatNgramSize", "no_repeat_ngram_size");
        temperature = new DoubleArrayParam(this, "temperature", "temperature, as the fallback schedule");
        compressionRatioThreshold = new DoubleParam(this, "compressionRatioThreshold", "compression_ratio_threshold; NaN: None");
        logProbThreshold = new DoubleParam(this, "logProbThreshold", "log_prob_threshold; NaN: None");
        noSpeechThreshold = new DoubleParam(this, "noSpeechThreshold", "no_speech_threshold; NaN: None");
        conditionOnPreviousText = new BooleanParam(this, "conditionOnPreviousText", "condition_on_previous_text");
        promptResetOnTemperature = new DoubleParam(this, "promptResetOnTemperature", "prompt_reset_on_temperature");
        initialPrompt = new Param<>(this, "initialPrompt", "initial_prompt as text");
        initialPromptTokens = new IntArrayParam(this, "initialPromptTokens", "initial_prompt as token ids");
        prefix = new Param<>(this, "prefix", "prefix");
        suppressBlank = new BooleanParam(this, "suppressBlank", "suppress_blank");
        suppressTokens = new IntArrayParam(this, "suppressTokens", "suppress_tokens; [-1] the non-speech tokens, [] none");
        withoutTimestamps = new BooleanParam(this, "withoutTimestamps", "without_timestamps");
        maxInitialTimestamp = new DoubleParam(this, "maxInitialTimestamp", "max_initial_timestamp");
        wordTimestamps = new BooleanParam(this, "wordTimestamps", "word_timestamps");
        prependPunctuations = new Param<>(this, "prependPunctuations", "prepend_punctuations");
        appendPunctuations = new Param<>(this, "appendPunctuations", "append_punctuations");
        multilingual = new BooleanParam(this, "multilingual", "multilingual");
        vadFilter = new BooleanParam(this, "vadFilter", "vad_filter");
        vadParameters = new Param<>(this, "vadParameters", "vad_parameters as a JSON object, e.g. {\"min_silence_duration_ms\": 500}");
        maxNewTokens = new IntParam(this, "maxNewTokens", "max_new_tokens");
        chunkLength = new IntParam(this, "chunkLength", "chunk_length");
        clipTimestamps = new Param<>(this, "clipTimestamps", "clip_timestamps as faster-whisper's string \"start,end,...\"");
        hallucinationSilenceThreshold = new DoubleParam(this, "hallucinationSilenceThreshold", "hallucination_silence_threshold");
        hotwords = new Param<>(this, "hotwords", "hotwords");
        languageDetectionThreshold = new DoubleParam(this, "languageDetectionThreshold", "language_detection_threshold");
        languageDetectionSegments = new IntParam(this, "languageDetectionSegments", "language_detection_segments");
    }

    // The transcription params, in faster-whisper's argument order; transient and rebuilt on
    // demand because a deserialised copy has the fields but not this list.
    private transient List<Param<?>> optionParams;

    private List<Param<?>> optionParams() {
        if (optionParams == null) {
            optionParams = List.of(language, task, beamSize, bestOf, patience, lengthPenalty, repetitionPenalty,
                    noRepeatNgramSize, temperature, compressionRatioThreshold, logProbThreshold, noSpeechThreshold,
                    conditionOnPreviousText, promptResetOnTemperature, initialPrompt, initialPromptTokens, prefix,
                    suppressBlank, suppressTokens, withoutTimestamps, maxInitialTimestamp, wordTimestamps,
                    prependPunctuations, appendPunctuations, multilingual, vadFilter, vadParameters, maxNewTokens,
                    chunkLength, clipTimestamps, hallucinationSilenceThreshold, hotwords, languageDetectionThreshold,
                    languageDetectionSegments);
        }
        return optionParams;
    }

    public static MLReader<WhisperTranscriber> read() {
        return new DefaultParamsReader<>();
    }

    public static WhisperTranscriber load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public WhisperTranscriber copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    // ---- what the stage computes ---------------------------------------------------------------

    /**
     * faster-whisper's keyword arguments for the params that are set, with faster-whisper's names:
     * the same form as the CLI's {@code --options} and the parity manifest.
     */
    public ObjectNode fasterWhisperKwargs() {
        ObjectNode kwargs = JSON.createObjectNode();
        for (Param<?> p : optionParams()) {
            if (!isDefined(p)) {
                continue;
            }
            Object value = getOrDefault(p);
            String name = p == initialPromptTokens ? "initial_prompt" : snakeCase(p.name());
            kwargs.set(name, toJson(p, value));
        }
        return kwargs;
    }

    /** The options each input is transcribed with. Throws IllegalArgumentException on bad params. */
    public TranscriptionOptions transcriptionOptions() {
        TranscriptionOptions.Builder base = getBatchSize() > 0 ? BatchedInferencePipeline.defaultOptions()
                : TranscriptionOptions.builder();
        return FasterWhisperKwargs.apply(base, fasterWhisperKwargs()).build();
    }

    /**
     * How an executor loads the model: inter_threads defaults to its task slots (tasks that run at
     * once), intra_threads to {@code spark.task.cpus} (the cores each task was given).
     */
    public ModelOptions modelOptions(SparkConf conf, String executorId) {
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        int workers = getNumWorkers() > 0 ? getNumWorkers() : Math.max(1, executorCores(conf, executorId) / taskCpus);
        int threads = getCpuThreads() > 0 ? getCpuThreads() : taskCpus;
        return ModelOptions.builder().device(Device.of(getDevice())).computeType(getComputeType())
                .interThreads(workers).intraThreads(threads).build();
    }

    /** Spark conf key prefix of the executor preload ({@link #preloadConf()}). */
    public static final String PRELOAD = "spark.ct2j.preload.";

    /**
     * Settings that make each executor load this stage's model as it starts, on a background
     * thread of the ct2j plugin's init, so that the load overlaps the driver's listing and
     * planning instead of delaying the first task. Add them to the session's conf before it
     * starts (spark-transcribe does); the executor derives the same {@link #modelOptions} as its
     * tasks will, so they find the model loaded.
     */
    public Map<String, String> preloadConf() {
        return Map.of(PRELOAD + "model", getModel(), PRELOAD + "device", getDevice(),
                PRELOAD + "computeType", getComputeType(), PRELOAD + "numWorkers", Integer.toString(getNumWorkers()),
                PRELOAD + "cpuThreads", Integer.toString(getCpuThreads()));
    }

    /** The stage {@link #preloadConf()} describes, or null when the conf asks for no preload. */
    static WhisperTranscriber fromPreloadConf(SparkConf conf) {
        if (!conf.contains(PRELOAD + "model")) {
            return null;
        }
        WhisperTranscriber t = new WhisperTranscriber().setModel(conf.get(PRELOAD + "model"));
        if (conf.contains(PRELOAD + "device")) {
            t.setDevice(conf.get(PRELOAD + "device"));
        }
        if (conf.contains(PRELOAD + "computeType")) {
            t.setComputeType(conf.get(PRELOAD + "computeType"));
        }
        t.setNumWorkers(conf.getInt(PRELOAD + "numWorkers", t.getNumWorkers()));
        t.setCpuThreads(conf.getInt(PRELOAD + "cpuThreads", t.getCpuThreads()));
        return t;
    }

    // Cores of the JVM that runs the tasks: in local mode the driver's local[N]; on a cluster
    // spark.executor.cores, or every core of the machine (standalone's default) when unset.
    static int executorCores(SparkConf conf, String executorId) {
        int machine = Runtime.getRuntime().availableProcessors();
        if ("driver".equals(executorId)) {
            String master = conf.get("spark.master", "local[*]");
            Matcher m = LOCAL_MASTER.matcher(master);
            if (m.matches()) {
                return m.group(1).equals("*") ? machine : Integer.parseInt(m.group(1));
            }
            return master.equals("local") ? 1 : machine;
        }
        return conf.getInt("spark.executor.cores", machine);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String col = getInputCol();
        if (!Arrays.asList(schema.fieldNames()).contains(col)) {
            throw new IllegalArgumentException("input column '" + col + "' is not in the schema " + schema.simpleString());
        }
        DataType type = schema.apply(col).dataType();
        if (!type.equals(DataTypes.BinaryType) && !type.equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("input column '" + col + "' must be binary (audio bytes) or string (a path), got "
                    + type.simpleString());
        }
        List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
        for (StructField f : TranscriptionRows.OUTPUT_FIELDS) {
            if (Arrays.asList(schema.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException("output column '" + f.name() + "' already exists in the input");
            }
            fields.add(f);
        }
        return new StructType(fields.toArray(StructField[]::new));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        transcriptionOptions(); // bad params fail here, on the driver, before any task starts
        StructType in = dataset.schema();
        int inputIndex = in.fieldIndex(getInputCol());
        boolean binary = in.apply(getInputCol()).dataType().equals(DataTypes.BinaryType);
        int pathIndex = Arrays.asList(in.fieldNames()).indexOf("path");
        return dataset.toDF().mapPartitions(
                new TranscribePartition(copy(ParamMap.empty()), inputIndex, binary, pathIndex), Encoders.row(out));
    }

    private static JsonNode toJson(Param<?> p, Object value) {
        if (value instanceof Double d && d.isNaN()) {
            return JSON.nullNode(); // Python's None
        }
        if (p.name().equals("vadParameters")) {
            try {
                return JSON.readTree((String) value);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("vadParameters is not a JSON object: " + value, e);
            }
        }
        if (value instanceof double[] values) {
            ArrayNode a = JSON.createArrayNode();
            for (double v : values) {
                a.add(v);
            }
            return a;
        }
        if (value instanceof int[] values) {
            ArrayNode a = JSON.createArrayNode();
            for (int v : values) {
                a.add(v);
            }
            return a;
        }
        return JSON.valueToTree(value);
    }

    static String snakeCase(String camel) {
        StringBuilder s = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                s.append('_').append(Character.toLowerCase(c));
            } else {
                s.append(c);
            }
        }
        return s.toString().toLowerCase(Locale.ROOT);
    }

    // ---- params: accessors (Spark finds params through these), getters and setters ----------------

    public Param<String> inputCol() { return inputCol; }
    public Param<String> model() { return model; }
    public Param<String> device() { return device; }
    public Param<String> computeType() { return computeType; }
    public IntParam batchSize() { return batchSize; }
    public IntParam cpuThreads() { return cpuThreads; }
    public IntParam numWorkers() { return numWorkers; }
    public BooleanParam failOnError() { return failOnError; }
    public Param<String> language() { return language; }
    public Param<String> task() { return task; }
    public IntParam beamSize() { return beamSize; }
    public IntParam bestOf() { return bestOf; }
    public DoubleParam patience() { return patience; }
    public DoubleParam lengthPenalty() { return lengthPenalty; }
    public DoubleParam repetitionPenalty() { return repetitionPenalty; }
    public IntParam noRepeatNgramSize() { return noRepeatNgramSize; }
    public DoubleArrayParam temperature() { return temperature; }
    public DoubleParam compressionRatioThreshold() { return compressionRatioThreshold; }
    public DoubleParam logProbThreshold() { return logProbThreshold; }
    public DoubleParam noSpeechThreshold() { return noSpeechThreshold; }
    public BooleanParam conditionOnPreviousText() { return conditionOnPreviousText; }
    public DoubleParam promptResetOnTemperature() { return promptResetOnTemperature; }
    public Param<String> initialPrompt() { return initialPrompt; }
    public IntArrayParam initialPromptTokens() { return initialPromptTokens; }
    public Param<String> prefix() { return prefix; }
    public BooleanParam suppressBlank() { return suppressBlank; }
    public IntArrayParam suppressTokens() { return suppressTokens; }
    public BooleanParam withoutTimestamps() { return withoutTimestamps; }
    public DoubleParam maxInitialTimestamp() { return maxInitialTimestamp; }
    public BooleanParam wordTimestamps() { return wordTimestamps; }
    public Param<String> prependPunctuations() { return prependPunctuations; }
    public Param<String> appendPunctuations() { return appendPunctuations; }
    public BooleanParam multilingual() { return multilingual; }
    public BooleanParam vadFilter() { return vadFilter; }
    public Param<String> vadParameters() { return vadParameters; }
    public IntParam maxNewTokens() { return maxNewTokens; }
    public IntParam chunkLength() { return chunkLength; }
    public Param<String> clipTimestamps() { return clipTimestamps; }
    public DoubleParam hallucinationSilenceThreshold() { return hallucinationSilenceThreshold; }
    public Param<String> hotwords() { return hotwords; }
    public DoubleParam languageDetectionThreshold() { return languageDetectionThreshold; }
    public IntParam languageDetectionSegments() { return languageDetectionSegments; }

    public String getInputCol() { return getOrDefault(inputCol); }
    public String getModel() { return getOrDefault(model); }
    public String getDevice() { return getOrDefault(device); }
    public String getComputeType() { return getOrDefault(computeType); }
    public int getBatchSize() { return (Integer) getOrDefault(batchSize); }
    public int getCpuThreads() { return (Integer) getOrDefault(cpuThreads); }
    public int getNumWorkers() { return (Integer) getOrDefault(numWorkers); }
    public boolean getFailOnError() { return (Boolean) getOrDefault(failOnError); }

    public WhisperTranscriber setInputCol(String v) { set(inputCol, v); return this; }
    public WhisperTranscriber setModel(String v) { set(model, v); return this; }
    public WhisperTranscriber setDevice(String v) { set(device, v); return this; }
    public WhisperTranscriber setComputeType(String v) { set(computeType, v); return this; }
    public WhisperTranscriber setBatchSize(int v) { set(batchSize, v); return this; }
    public WhisperTranscriber setCpuThreads(int v) { set(cpuThreads, v); return this; }
    public WhisperTranscriber setNumWorkers(int v) { set(numWorkers, v); return this; }
    public WhisperTranscriber setFailOnError(boolean v) { set(failOnError, v); return this; }
    public WhisperTranscriber setLanguage(String v) { set(language, v); return this; }
    public WhisperTranscriber setTask(String v) { set(task, v); return this; }
    public WhisperTranscriber setBeamSize(int v) { set(beamSize, v); return this; }
    public WhisperTranscriber setBestOf(int v) { set(bestOf, v); return this; }
    public WhisperTranscriber setPatience(double v) { set(patience, v); return this; }
    public WhisperTranscriber setLengthPenalty(double v) { set(lengthPenalty, v); return this; }
    public WhisperTranscriber setRepetitionPenalty(double v) { set(repetitionPenalty, v); return this; }
    public WhisperTranscriber setNoRepeatNgramSize(int v) { set(noRepeatNgramSize, v); return this; }
    public WhisperTranscriber setTemperature(double... v) { set(temperature, v); return this; }
    public WhisperTranscriber setCompressionRatioThreshold(double v) { set(compressionRatioThreshold, v); return this; }
    public WhisperTranscriber setLogProbThreshold(double v) { set(logProbThreshold, v); return this; }
    public WhisperTranscriber setNoSpeechThreshold(double v) { set(noSpeechThreshold, v); return this; }
    public WhisperTranscriber setConditionOnPreviousText(boolean v) { set(conditionOnPreviousText, v); return this; }
    public WhisperTranscriber setPromptResetOnTemperature(double v) { set(promptResetOnTemperature, v); return this; }
    public WhisperTranscriber setInitialPrompt(String v) { set(initialPrompt, v); return this; }
    public WhisperTranscriber setInitialPromptTokens(int... v) { set(initialPromptTokens, v); return this; }
    public WhisperTranscriber setPrefix(String v) { set(prefix, v); return this; }
    public WhisperTranscriber setSuppressBlank(boolean v) { set(suppressBlank, v); return this; }
    public WhisperTranscriber setSuppressTokens(int... v) { set(suppressTokens, v); return this; }
    public WhisperTranscriber setWithoutTimestamps(boolean v) { set(withoutTimestamps, v); return this; }
    public WhisperTranscriber setMaxInitialTimestamp(double v) { set(maxInitialTimestamp, v); return this; }
    public WhisperTranscriber setWordTimestamps(boolean v) { set(wordTimestamps, v); return this; }
    public WhisperTranscriber setPrependPunctuations(String v) { set(prependPunctuations, v); return this; }
    public WhisperTranscriber setAppendPunctuations(String v) { set(appendPunctuations, v); return this; }
    public WhisperTranscriber setMultilingual(boolean v) { set(multilingual, v); return this; }
    public WhisperTranscriber setVadFilter(boolean v) { set(vadFilter, v); return this; }
    public WhisperTranscriber setVadParameters(String json) { set(vadParameters, json); return this; }
    public WhisperTranscriber setMaxNewTokens(int v) { set(maxNewTokens, v); return this; }
    public WhisperTranscriber setChunkLength(int v) { set(chunkLength, v); return this; }
    public WhisperTranscriber setClipTimestamps(String v) { set(clipTimestamps, v); return this; }
    public WhisperTranscriber setHallucinationSilenceThreshold(double v) { set(hallucinationSilenceThreshold, v); return this; }
    public WhisperTranscriber setHotwords(String v) { set(hotwords, v); return this; }
    public WhisperTranscriber setLanguageDetectionThreshold(double v) { set(languageDetectionThreshold, v); return this; }
    public WhisperTranscriber setLanguageDetectionSegments(int v) { set(languageDetectionSegments, v); return this; }

    /**
     * Sets transcription params from faster-whisper's keyword arguments as JSON, e.g.
     * {@code {"beam_size": 1, "word_timestamps": true}} (what the CLI's {@code --options} takes).
     */
    public WhisperTranscriber setOptions(String fasterWhisperJson) {
        JsonNode kwargs;
        try {
            kwargs = JSON.readTree(fasterWhisperJson);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("options are not JSON: " + fasterWhisperJson, e);
        }
        if (kwargs == null || !kwargs.isObject()) {
            throw new IllegalArgumentException("options must be a JSON object of faster-whisper arguments");
        }
        // Validate the whole object with the library first: unknown names and bad values fail here.
        FasterWhisperKwargs.apply(TranscriptionOptions.builder(), kwargs);
        for (var e : kwargs.properties()) {
            setFromJson(e.getKey(), e.getValue());
        }
        return this;
    }

    private void setFromJson(String name, JsonNode v) {
        if (name.equals("initial_prompt") && v.isArray()) {
            set(initialPromptTokens, JSON.convertValue(v, int[].class));
            clear(initialPrompt);
            return;
        }
        Param<?> p = null;
        for (Param<?> candidate : optionParams()) {
            if (candidate != initialPromptTokens && snakeCase(candidate.name()).equals(name)) {
                p = candidate;
            }
        }
        if (p == null) {
            return; // ignored by faster-whisper too (log_progress, batch_size)
        }
        if (name.equals("initial_prompt")) {
            clear(initialPromptTokens);
        }
        if (v.isNull()) {
            if (p instanceof DoubleParam) {
                set(p.name(), Double.NaN);
            } else {
                clear(p);
                if (p == suppressTokens) {
                    set(suppressTokens, new int[0]); // None and [] both suppress nothing
                }
            }
            return;
        }
        Object value;
        if (p == vadParameters) {
            value = v.toString();
        } else if (p == temperature) {
            value = v.isArray() ? JSON.convertValue(v, double[].class) : new double[] {v.asDouble()};
        } else if (p == clipTimestamps && v.isArray()) {
            throw new IllegalArgumentException("clipTimestamps takes faster-whisper's string form \"start,end,...\"");
        } else if (p instanceof IntArrayParam) {
            value = JSON.convertValue(v, int[].class);
        } else if (p instanceof IntParam) {
            value = v.asInt();
        } else if (p instanceof DoubleParam) {
            value = v.asDouble();
        } else if (p instanceof BooleanParam) {
            value = v.asBoolean();
        } else {
            value = v.asText();
        }
        set(p.name(), value);
    }
}
