// CTranslate2 4.8.4 trusts model.bin once it parses. Its layer constructors divide by num_heads
// (a zero encoder/num_heads is a SIGFPE, found by native/fuzz), its loader dequantizes with
// whatever weight_scale it finds, and its kernels take every weight's shape as given. So before
// CTranslate2 builds anything, the variable index is read here as Model::load reads it (payloads
// skipped), and the model must be exactly what WhisperSpec writes:
//   - every variable a Whisper replica reads exists, with a dtype CTranslate2 can take and the
//     shape the architecture implies (d_model, n_mels, FFN widths and the vocabulary are read
//     from the variables that define them; every other shape must agree);
//   - every attribute it reads is a scalar with a usable value;
//   - nothing else: the Transformer layers Whisper reuses also read optional variables
//     (rotary and relative positions, extra layer norms, head_dim, num_heads_kv, memory_kv, ...)
//     that WhisperSpec never writes, and they would trust those too.
#include "whisper_layout.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "internal.h"

namespace ct2j_internal {
namespace {

// CTranslate2's DataType ids (ctranslate2/types.h) and its model.bin versions.
enum : uint8_t { FLOAT32 = 0, INT8 = 1, INT16 = 2, INT32 = 3, FLOAT16 = 4, BFLOAT16 = 5 };
constexpr uint32_t kMaxBinaryVersion = 6;
constexpr uint32_t kMaxWhisperRevision = 3;
constexpr int64_t kNumActivations = 7; // ops::ActivationType: ReLU ... Sigmoid

using Shape = std::vector<int64_t>;

struct Variable {
    uint8_t dtype = FLOAT32;
    Shape shape;
    double value = 0; // rank 0: the scalar, converted as StorageView::as_scalar converts it
};

using Index = std::map<std::string, std::shared_ptr<const Variable>>;

[[noreturn]] void refuse(const std::string &message) { fail(CT2J_ERR_INVALID_ARGUMENT, "model.bin: " + message); }

const char *dtype_name(uint8_t dtype) {
    static const char *const names[] = {"float32", "int8", "int16", "int32", "float16", "bfloat16"};
    return dtype <= BFLOAT16 ? names[dtype] : "unknown";
}

int64_t item_size(uint8_t dtype) {
    switch (dtype) {
    case INT8: return 1;
    case INT16: case FLOAT16: case BFLOAT16: return 2;
    default: return 4;
    }
}

bool is_float(uint8_t dtype) { return dtype == FLOAT32 || dtype == FLOAT16 || dtype == BFLOAT16; }

std::string shape_text(const Shape &shape) {
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string number_text(double value) {
    char text[32];
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        std::snprintf(text, sizeof text, "%lld", static_cast<long long>(value));
    else
        std::snprintf(text, sizeof text, "%g", value);
    return text;
}

float half_to_float(uint16_t h) {
    const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    const float sign = (h & 0x8000) ? -1.f : 1.f;
    if (exponent == 0)
        return sign * std::ldexp(static_cast<float>(mantissa), -24);
    if (exponent == 31)
        return mantissa ? NAN : sign * INFINITY;
    return sign * std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
}

double scalar_value(uint8_t dtype, const unsigned char *bytes) {
    switch (dtype) {
    case INT8: { int8_t v; std::memcpy(&v, bytes, 1); return v; }
    case INT16: { int16_t v; std::memcpy(&v, bytes, 2); return v; }
    case INT32: { int32_t v; std::memcpy(&v, bytes, 4); return v; }
    case FLOAT16: { uint16_t v; std::memcpy(&v, bytes, 2); return half_to_float(v); }
    case BFLOAT16: { uint16_t v; std::memcpy(&v, bytes, 2); uint32_t f = uint32_t(v) << 16; float x; std::memcpy(&x, &f, 4); return x; }
    default: { float v; std::memcpy(&v, bytes, 4); return v; }
    }
}

// model.bin as Model::load reads it (native/fuzz/make-model-seed.py spells the layout out).
class IndexReader {
  public:
    explicit IndexReader(std::istream &in) : in_(in) {
        in_.seekg(0, std::ios::end);
        const auto end = in_.tellg();
        in_.seekg(0);
        if (!in_ || end < 0)
            refuse("cannot be read");
        size_ = static_cast<uint64_t>(end);
    }

    // Empty when the versions are newer than CTranslate2 reads: it refuses those itself.
    std::optional<Index> read() {
        const uint32_t version = number<uint32_t>("the binary version");
        if (version > kMaxBinaryVersion)
            return std::nullopt;
        if (version < 2)
            refuse("binary version " + std::to_string(version) + " names no spec: not a Whisper model");
        const std::string spec = text("the spec name");
        const uint32_t revision = number<uint32_t>("the spec revision");
        if (spec != "WhisperSpec")
            refuse("spec '" + spec + "' is not a Whisper model (expected WhisperSpec)");
        if (revision > kMaxWhisperRevision)
            return std::nullopt;

        Index index;
        const uint32_t count = number<uint32_t>("the number of variables");
        for (uint32_t i = 0; i < count; ++i) {
            std::string name = text("a variable name");
            auto variable = std::make_shared<Variable>();
            const uint8_t rank = number<uint8_t>(("the rank of " + name).c_str());
            int64_t elements = 1;
            for (uint8_t d = 0; d < rank; ++d) {
                const int64_t dim = number<uint32_t>(("the shape of " + name).c_str());
                if (dim == 0 || elements > (int64_t(1) << 40) / dim)
                    refuse("variable " + name + " has an invalid shape");
                elements *= dim;
                variable->shape.push_back(dim);
            }
            uint64_t num_bytes;
            if (version >= 4) {
                variable->dtype = number<uint8_t>(("the dtype of " + name).c_str());
                if (variable->dtype > BFLOAT16)
                    refuse("variable " + name + " has an unknown dtype id " + std::to_string(variable->dtype));
                num_bytes = number<uint32_t>(("the size of " + name).c_str());
            } else {
                const uint8_t width = number<uint8_t>(("the item size of " + name).c_str());
                if (width != 1 && width != 2 && width != 4)
                    refuse("variable " + name + " has an unknown item size " + std::to_string(width));
                variable->dtype = width == 4 ? FLOAT32 : width == 2 ? INT16 : INT8;
                num_bytes = uint64_t(number<uint32_t>(("the size of " + name).c_str())) * width;
            }
            if (num_bytes != static_cast<uint64_t>(elements * item_size(variable->dtype)))
                refuse("variable " + name + " has " + std::to_string(num_bytes) + " bytes for shape " +
                       shape_text(variable->shape) + " of " + dtype_name(variable->dtype));
            payload(*variable, num_bytes, name);
            index.emplace(std::move(name), std::move(variable)); // the first of two equal names wins
        }
        if (version >= 3) {
            const uint32_t aliases = number<uint32_t>("the number of aliases");
            for (uint32_t i = 0; i < aliases; ++i) {
                const std::string alias = text("an alias"), target = text("an alias target");
                for (const char *suffix : {"", "_scale", "_zero"}) {
                    const auto it = index.find(target + suffix);
                    if (it != index.end())
                        index.emplace(alias + suffix, it->second);
                }
            }
        }
        return index;
    }

  private:
    template <typename T> T number(const char *what) {
        T value;
        const auto at = in_.tellg();
        if (!in_.read(reinterpret_cast<char *>(&value), sizeof value))
            refuse("truncated at byte " + std::to_string(static_cast<int64_t>(at)) + " (reading " + what + ")");
        return value;
    }

    std::string text(const char *what) {
        const uint16_t length = number<uint16_t>(what);
        if (length == 0)
            refuse(std::string("invalid string length 0 (reading ") + what + ")");
        std::string bytes(length, '\0');
        if (!in_.read(bytes.data(), length))
            refuse(std::string("truncated (reading ") + what + ")");
        bytes.pop_back(); // the terminating NUL
        return bytes;
    }

    void payload(Variable &variable, uint64_t num_bytes, const std::string &name) {
        const auto at = in_.tellg();
        if (at < 0 || num_bytes > size_ - static_cast<uint64_t>(at))
            refuse("variable " + name + " claims " + std::to_string(num_bytes) + " bytes, past the end of the file");
        if (variable.shape.empty()) {
            unsigned char bytes[4] = {};
            if (!in_.read(reinterpret_cast<char *>(bytes), static_cast<std::streamsize>(num_bytes)))
                refuse("truncated (reading the value of " + name + ")");
            variable.value = scalar_value(variable.dtype, bytes);
        } else {
            in_.seekg(static_cast<std::streamoff>(num_bytes), std::ios::cur);
        }
    }

    std::istream &in_;
    uint64_t size_ = 0;
};

// The variables a WhisperReplica reads, as CTranslate2 4.8.4's WhisperEncoder, TransformerDecoder
// and their layers read them, each checked against the shape the others imply.
class WhisperLayout {
  public:
    explicit WhisperLayout(const Index &index) : index_(index) {}

    void check() {
        const Variable &conv1 = require("encoder/conv1/weight");
        if (conv1.shape.size() != 3)
            refuse("encoder/conv1/weight has shape " + shape_text(conv1.shape) + ", expected [d_model, n_mels, 3]");
        const int64_t d_model = conv1.shape[0], n_mels = conv1.shape[1];
        weight("encoder/conv1", {d_model, n_mels, 3});
        weight("encoder/conv2", {d_model, d_model, 3});
        position_encodings("encoder/position_encodings", d_model);
        num_heads("encoder", d_model);
        const size_t encoder_layers = count_layers("encoder/layer_");
        for (size_t i = 0; i < encoder_layers; ++i) {
            const std::string layer = "encoder/layer_" + std::to_string(i);
            self_attention(layer + "/self_attention", d_model);
            feed_forward(layer + "/ffn", d_model);
        }
        layer_norm("encoder/layer_norm", d_model);

        const Variable &embeddings = require("decoder/embeddings/weight");
        if (embeddings.shape.size() != 2 || embeddings.shape[1] != d_model)
            refuse("decoder/embeddings/weight has shape " + shape_text(embeddings.shape) +
                   ", expected [vocabulary, " + std::to_string(d_model) + "] (the encoder's d_model)");
        const int64_t vocabulary = embeddings.shape[0];
        weight("decoder/embeddings", {vocabulary, d_model});
        position_encodings("decoder/position_encodings", d_model);
        const int64_t decoder_heads = num_heads("decoder", d_model);
        const size_t decoder_layers = count_layers("decoder/layer_");
        for (size_t i = 0; i < decoder_layers; ++i) {
            const std::string layer = "decoder/layer_" + std::to_string(i);
            self_attention(layer + "/self_attention", d_model);
            cross_attention(layer + "/attention", d_model);
            feed_forward(layer + "/ffn", d_model);
        }
        layer_norm("decoder/layer_norm", d_model);
        linear("decoder/projection", vocabulary, d_model);

        for (const char *name : {"decoder/pre_norm", "decoder/alibi", "decoder/alibi_use_positive_positions",
                                 "decoder/scale_alibi", "decoder/start_from_zero_embedding"})
            flag(name);
        if (const Variable *scale = attribute("decoder/scale_embeddings"))
            if (!std::isfinite(scale->value))
                refuse("decoder/scale_embeddings is " + number_text(scale->value) + ", expected a finite value");
        integer("decoder/activation", 0, kNumActivations - 1);
        alignment(decoder_layers, decoder_heads);

        for (const auto &[name, variable] : index_)
            if (!expected_.count(name))
                refuse("unexpected variable " + name +
                       ": not part of a Whisper model, and CTranslate2 would use it unchecked");
    }

  private:
    const Variable *find(const std::string &name) {
        expected_.insert(name);
        const auto it = index_.find(name);
        return it == index_.end() ? nullptr : it->second.get();
    }

    const Variable &require(const std::string &name) {
        const Variable *variable = find(name);
        if (!variable)
            refuse("variable " + name + " is missing");
        return *variable;
    }

    void expect_shape(const std::string &name, const Variable &variable, const Shape &shape) {
        if (variable.shape != shape)
            refuse(name + " has shape " + shape_text(variable.shape) + ", expected " + shape_text(shape));
    }

    void float_tensor(const std::string &name, const Shape &shape, bool optional = false) {
        const Variable *variable = optional ? find(name) : &require(name);
        if (!variable)
            return;
        expect_shape(name, *variable, shape);
        if (!is_float(variable->dtype))
            refuse(name + " is " + dtype_name(variable->dtype) + ", expected a float type");
    }

    // A weight as CTranslate2 saves it: a float type; int8 with a float per-row scale; or int16
    // with a scalar scale (or none: CTranslate2 then applies its global int16 scale).
    void weight(const std::string &scope, const Shape &shape) {
        const std::string name = scope + "/weight";
        const Variable &weight = require(name);
        expect_shape(name, weight, shape);
        const Variable *scale = find(name + "_scale");
        if (is_float(weight.dtype)) {
            if (scale)
                refuse(name + "_scale is given, but " + name + " is " + dtype_name(weight.dtype) +
                       ", not quantized");
        } else if (weight.dtype == INT8) {
            if (!scale || !is_float(scale->dtype) || scale->shape != Shape{shape[0]})
                refuse(name + " is int8, so " + name + "_scale must be a float vector of shape " +
                       shape_text({shape[0]}) +
                       (scale ? ", got " + shape_text(scale->shape) + " of " + dtype_name(scale->dtype) : ", missing"));
        } else if (weight.dtype == INT16) {
            if (scale && (!is_float(scale->dtype) || !scale->shape.empty()))
                refuse(name + " is int16, so " + name + "_scale must be a float scalar, got " +
                       shape_text(scale->shape) + " of " + dtype_name(scale->dtype));
        } else {
            refuse(name + " is " + dtype_name(weight.dtype) + ", expected a float type, int8 or int16");
        }
        float_tensor(scope + "/bias", {shape[0]}, /*optional=*/true);
    }

    void linear(const std::string &scope, int64_t outputs, int64_t inputs) { weight(scope, {outputs, inputs}); }

    void layer_norm(const std::string &scope, int64_t d_model) {
        float_tensor(scope + "/gamma", {d_model});
        float_tensor(scope + "/beta", {d_model}, /*optional=*/true);
    }

    void position_encodings(const std::string &scope, int64_t d_model) {
        const std::string name = scope + "/encodings";
        const Variable &encodings = require(name);
        if (encodings.shape.size() != 2 || encodings.shape[1] != d_model)
            refuse(name + " has shape " + shape_text(encodings.shape) + ", expected [positions, " +
                   std::to_string(d_model) + "]");
        float_tensor(name, encodings.shape);
    }

    void self_attention(const std::string &scope, int64_t d_model) {
        layer_norm(scope + "/layer_norm", d_model);
        linear(scope + "/linear_0", 3 * d_model, d_model); // queries, keys and values, fused
        linear(scope + "/linear_1", d_model, d_model);
    }

    void cross_attention(const std::string &scope, int64_t d_model) {
        layer_norm(scope + "/layer_norm", d_model);
        linear(scope + "/linear_0", d_model, d_model);     // queries
        linear(scope + "/linear_1", 2 * d_model, d_model); // keys and values of the encoder output
        linear(scope + "/linear_2", d_model, d_model);
    }

    void feed_forward(const std::string &scope, int64_t d_model) {
        layer_norm(scope + "/layer_norm", d_model);
        const Variable &inner = require(scope + "/linear_0/weight");
        if (inner.shape.size() != 2)
            refuse(scope + "/linear_0/weight has shape " + shape_text(inner.shape) + ", expected [width, d_model]");
        linear(scope + "/linear_0", inner.shape[0], d_model);
        linear(scope + "/linear_1", d_model, inner.shape[0]);
    }

    // build_layers_list: layer_0 must exist; the layers run while layer_<i> has variables.
    size_t count_layers(const std::string &prefix) {
        size_t count = 0;
        for (;; ++count) {
            const std::string scope = prefix + std::to_string(count) + "/";
            const auto it = index_.lower_bound(scope);
            if (it == index_.end() || it->first.compare(0, scope.size(), scope) != 0)
                break;
        }
        if (count == 0)
            refuse("no " + prefix + "0 variables: the model has no layers");
        return count;
    }

    const Variable *attribute(const std::string &name) {
        const Variable *variable = find(name);
        if (variable && !variable->shape.empty())
            refuse(name + " has shape " + shape_text(variable->shape) + ", expected a scalar");
        return variable;
    }

    int64_t integer(const std::string &name, int64_t low, int64_t high, int64_t fallback = 0) {
        const Variable *variable = attribute(name);
        if (!variable)
            return fallback;
        const double value = variable->value;
        if (!(value >= double(low) && value <= double(high)) || value != std::floor(value))
            refuse(name + " is " + number_text(value) + ", expected an integer in [" + std::to_string(low) +
                   ", " + std::to_string(high) + "]");
        return static_cast<int64_t>(value);
    }

    void flag(const std::string &name) { integer(name, 0, 1); }

    int64_t num_heads(const std::string &scope, int64_t d_model) {
        const int64_t heads = integer(scope + "/num_heads", 1, d_model, /*CTranslate2's default*/ 8);
        if (d_model % heads != 0)
            refuse(scope + "/num_heads " + std::to_string(heads) + " does not divide d_model " +
                   std::to_string(d_model));
        return heads;
    }

    // TransformerDecoder's default alignment: alignment_heads heads (0: all) of alignment_layer
    // (negative: from the end), applied unchecked when the replica is built.
    void alignment(size_t num_layers, int64_t heads) {
        const int64_t layers = static_cast<int64_t>(num_layers);
        integer("decoder/alignment_layer", -layers, layers - 1, -1);
        integer("decoder/alignment_heads", 0, heads, 1);
    }

    const Index &index_;
    std::set<std::string> expected_;
};

} // namespace

void check_whisper_layout(ctranslate2::models::ModelReader &reader) {
    const auto file = reader.get_file("model.bin", /*binary=*/true);
    if (!file)
        return; // CTranslate2 reports the missing file
    if (const auto index = IndexReader(*file).read())
        WhisperLayout(*index).check();
}

} // namespace ct2j_internal
