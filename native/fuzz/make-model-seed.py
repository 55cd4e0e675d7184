#!/usr/bin/env python3
"""Writes a tiny valid Whisper model.bin in CTranslate2's binary format (version 6): the seed of
fuzz_model_load, which supplies the matching config.json and vocabulary.json (14 tokens).

d_model 4, 2 heads, FFN 8, 4 mel bins, one encoder and one decoder layer, float16 weights:
about 5 KB. The layout, as CTranslate2's Model::load reads it (all little-endian):

  u32 binary_version | str spec | u32 spec_revision | u32 num_variables
  num_variables x (str name | u8 rank | rank x u32 dim | u8 dtype | u32 num_bytes | payload)
  u32 num_aliases | num_aliases x (str alias | str variable)

where str is a u16 length (counting a terminating NUL) then the bytes and the NUL, and dtype is
CTranslate2's DataType (0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16).

Usage: make-model-seed.py OUT_FILE
"""
import struct
import sys

D_MODEL, HEADS, FFN, N_MELS, VOCAB = 4, 2, 8, 4, 14
ENCODER_POSITIONS, DECODER_POSITIONS = 8, 8
INT8, INT16, FLOAT16 = 1, 2, 4


def string(text):
    data = text.encode() + b"\0"
    return struct.pack("<H", len(data)) + data


def variable(name, dtype, shape, payload):
    head = string(name) + struct.pack("<B", len(shape)) + b"".join(struct.pack("<I", d) for d in shape)
    return head + struct.pack("<BI", dtype, len(payload)) + payload


def weights(shape, fill=None):
    count = 1
    for d in shape:
        count *= d
    values = [fill if fill is not None else ((i % 7) - 3) / 16 for i in range(count)]
    return struct.pack("<%de" % count, *values)


def tensor(name, shape, fill=None):
    return (name, FLOAT16, shape, weights(shape, fill))


def scalar(name, dtype, value):
    return (name, dtype, [], struct.pack("<b" if dtype == INT8 else "<h", value))


def layer_norm(prefix):
    return [tensor(prefix + "/beta", [D_MODEL], 0.0), tensor(prefix + "/gamma", [D_MODEL], 1.0)]


def linear(prefix, rows, cols):
    return [tensor(prefix + "/bias", [rows]), tensor(prefix + "/weight", [rows, cols])]


def ffn(prefix):
    return layer_norm(prefix + "/layer_norm") + linear(prefix + "/linear_0", FFN, D_MODEL) \
        + linear(prefix + "/linear_1", D_MODEL, FFN)


def self_attention(prefix):
    return layer_norm(prefix + "/layer_norm") + linear(prefix + "/linear_0", 3 * D_MODEL, D_MODEL) \
        + linear(prefix + "/linear_1", D_MODEL, D_MODEL)


def cross_attention(prefix):
    return layer_norm(prefix + "/layer_norm") + linear(prefix + "/linear_0", D_MODEL, D_MODEL) \
        + linear(prefix + "/linear_1", 2 * D_MODEL, D_MODEL) + linear(prefix + "/linear_2", D_MODEL, D_MODEL)


def model_variables():
    decoder = [
        scalar("decoder/activation", INT8, 3),  # GELU
        scalar("decoder/alibi", INT8, 0),
        scalar("decoder/alibi_use_positive_positions", INT8, 0),
        scalar("decoder/alignment_heads", INT16, 1),
        scalar("decoder/alignment_layer", INT16, -1),
        tensor("decoder/embeddings/weight", [VOCAB, D_MODEL]),
    ]
    decoder += cross_attention("decoder/layer_0/attention") + ffn("decoder/layer_0/ffn") \
        + self_attention("decoder/layer_0/self_attention") + layer_norm("decoder/layer_norm")
    decoder += [
        scalar("decoder/num_heads", INT16, HEADS),
        tensor("decoder/position_encodings/encodings", [DECODER_POSITIONS, D_MODEL]),
        scalar("decoder/pre_norm", INT8, 1),
        scalar("decoder/scale_alibi", INT8, 0),
        scalar("decoder/scale_embeddings", INT8, 0),
        scalar("decoder/start_from_zero_embedding", INT8, 0),
    ]
    encoder = [
        tensor("encoder/conv1/bias", [D_MODEL]),
        tensor("encoder/conv1/weight", [D_MODEL, N_MELS, 3]),
        tensor("encoder/conv2/bias", [D_MODEL]),
        tensor("encoder/conv2/weight", [D_MODEL, D_MODEL, 3]),
    ]
    encoder += ffn("encoder/layer_0/ffn") + self_attention("encoder/layer_0/self_attention") \
        + layer_norm("encoder/layer_norm")
    encoder += [
        scalar("encoder/num_heads", INT16, HEADS),
        tensor("encoder/position_encodings/encodings", [ENCODER_POSITIONS, D_MODEL]),
    ]
    return decoder + encoder


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    variables = model_variables()
    out = struct.pack("<I", 6) + string("WhisperSpec") + struct.pack("<I", 3)
    out += struct.pack("<I", len(variables)) + b"".join(variable(*v) for v in variables)
    out += struct.pack("<I", 1) + string("decoder/projection/weight") + string("decoder/embeddings/weight")
    with open(sys.argv[1], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
