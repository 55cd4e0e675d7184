#!/usr/bin/env python3
"""make-models.py OUT_DIR: three tiny random-weight CTranslate2 models for the ct2 parity manifest.

OUT_DIR/translator (TransformerSpec), OUT_DIR/generator (TransformerDecoderModelSpec) and
OUT_DIR/encoder (TransformerEncoderModelSpec with a pooler), each with a tokenizer.json
(WordLevel over the same vocabulary). Built with ctranslate2.specs and numpy only: no
PyTorch and no download, so CI can build them anywhere the venv exists.

The weights come from a fixed seed, so the same script gives byte-identical model.bin files;
parity/ct2/models.sh names the cache folder after this file's hash for that reason. The script
refuses to finish if the models decode degenerately (stop at once, or repeat one token), since a
parity check on such models would compare almost nothing.
"""

import json
import os
import sys

import numpy as np

import ctranslate2
from ctranslate2.specs import common_spec, transformer_spec

SEED = 20261201
D_MODEL = 32
NUM_HEADS = 4
FFN = 64
NUM_LAYERS = 2
VOCAB_SIZE = 64
# Learned positions for the BERT-like encoder bound its input length.
ENCODER_MAX_POSITIONS = 64

SPECIALS = ["<unk>", "<s>", "</s>", "<pad>"]
VOCAB = SPECIALS + ["t%d" % i for i in range(len(SPECIALS), VOCAB_SIZE)]
EOS_ID = VOCAB.index("</s>")

# Logit scale of the output projection: large enough that the distributions are peaked (beam
# and greedy differ from sampling), small enough that top-k / top-p see several candidates.
LOGIT_STD = 2.5
# The EOS logit is raised so that some hypotheses end on their own after a few steps while
# others run to max_decoding_length (both paths of the decoding loop get exercised).
EOS_BIAS = 3.0
SPECIAL_BIAS = -6.0

rng = np.random.default_rng(SEED)


def normal(*shape, std):
    return (rng.standard_normal(shape) * std).astype(np.float32)


def set_linear(spec, out_dim, in_dim):
    spec.weight = normal(out_dim, in_dim, std=1.0 / np.sqrt(in_dim))
    spec.bias = normal(out_dim, std=0.1)


def set_layer_norm(spec, dim):
    spec.gamma = (1.0 + normal(dim, std=0.1)).astype(np.float32)
    spec.beta = normal(dim, std=0.1)


def set_embeddings(spec, scaled):
    # With scale_embeddings the model multiplies by sqrt(d_model); keep the product near unit scale.
    std = 1.0 / np.sqrt(D_MODEL) if scaled else 1.0
    spec.weight = normal(VOCAB_SIZE, D_MODEL, std=std)


def set_self_attention(spec):
    set_layer_norm(spec.layer_norm, D_MODEL)
    set_linear(spec.linear[0], 3 * D_MODEL, D_MODEL)  # fused query, key, value
    set_linear(spec.linear[1], D_MODEL, D_MODEL)


def set_cross_attention(spec):
    set_layer_norm(spec.layer_norm, D_MODEL)
    set_linear(spec.linear[0], D_MODEL, D_MODEL)  # query
    set_linear(spec.linear[1], 2 * D_MODEL, D_MODEL)  # fused key, value
    set_linear(spec.linear[2], D_MODEL, D_MODEL)


def set_ffn(spec):
    set_layer_norm(spec.layer_norm, D_MODEL)
    set_linear(spec.linear_0, FFN, D_MODEL)
    set_linear(spec.linear_1, D_MODEL, FFN)


def set_encoder(spec, scaled_embeddings=True):
    set_embeddings(spec.embeddings[0], scaled_embeddings)
    if hasattr(spec, "layer_norm"):
        set_layer_norm(spec.layer_norm, D_MODEL)
    for layer in spec.layer:
        set_self_attention(layer.self_attention)
        set_ffn(layer.ffn)


def set_decoder(spec, cross_attention):
    set_embeddings(spec.embeddings, True)
    set_layer_norm(spec.layer_norm, D_MODEL)
    for layer in spec.layer:
        set_self_attention(layer.self_attention)
        if cross_attention:
            set_cross_attention(layer.attention)
        set_ffn(layer.ffn)
    spec.projection.weight = normal(VOCAB_SIZE, D_MODEL, std=LOGIT_STD / np.sqrt(D_MODEL))
    bias = normal(VOCAB_SIZE, std=0.5)
    # Real models rarely emit <unk>, <s> or <pad>; without this the random model falls into
    # <unk> loops.
    for special in ("<unk>", "<s>", "<pad>"):
        bias[VOCAB.index(special)] = SPECIAL_BIAS
    bias[EOS_ID] = EOS_BIAS
    spec.projection.bias = bias


def word_level_tokenizer():
    """The HF tokenizer.json the models ship: WordLevel over VOCAB, split on whitespace."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(VOCAB)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.add_special_tokens(SPECIALS)
    return tok


def save(spec, path):
    spec.validate()
    spec.optimize(quantization="float32")
    os.makedirs(path)
    spec.save(path)
    word_level_tokenizer().save(os.path.join(path, "tokenizer.json"), pretty=True)


def build_translator(path):
    spec = transformer_spec.TransformerSpec.from_config(NUM_LAYERS, NUM_HEADS)
    set_encoder(spec.encoder)
    set_decoder(spec.decoder, cross_attention=True)
    spec.register_source_vocabulary(VOCAB)
    spec.register_target_vocabulary(VOCAB)
    save(spec, path)


def build_generator(path):
    spec = transformer_spec.TransformerDecoderModelSpec.from_config(NUM_LAYERS, NUM_HEADS)
    set_decoder(spec.decoder, cross_attention=False)
    spec.register_vocabulary(VOCAB)
    save(spec, path)


def build_encoder(path):
    # BERT's layout (post-norm, embedding layer norm, GELU, learned positions, tanh pooler),
    # with one source embedding so inputs are plain token lists.
    encoder = transformer_spec.TransformerEncoderSpec(
        NUM_LAYERS,
        NUM_HEADS,
        pre_norm=False,
        activation=common_spec.Activation.GELU,
        layernorm_embedding=True,
    )
    spec = transformer_spec.TransformerEncoderModelSpec(
        encoder, pooling_layer=True, pooling_activation=common_spec.Activation.Tanh
    )
    spec.encoder.scale_embeddings = False
    set_encoder(spec.encoder, scaled_embeddings=False)
    spec.encoder.position_encodings.encodings = normal(ENCODER_MAX_POSITIONS, D_MODEL, std=0.5)
    set_layer_norm(spec.encoder.layernorm_embedding, D_MODEL)
    set_linear(spec.pooler_dense, D_MODEL, D_MODEL)
    spec.register_vocabulary(VOCAB)
    save(spec, path)


def load(cls, path):
    return cls(path, device="cpu", compute_type="float32", inter_threads=1, intra_threads=1)


def require(condition, message):
    if not condition:
        raise SystemExit("make-models.py: degenerate model: " + message)


def check_decoding(name, hypotheses):
    """Greedy output must run past step 1 and use several distinct tokens."""
    for h in hypotheses:
        require(len(h) >= 3, "%s greedy output %r is shorter than 3 tokens" % (name, h))
    distinct = {t for h in hypotheses for t in h}
    require(len(distinct) >= 5, "%s greedy outputs %r use fewer than 5 tokens" % (name, hypotheses))
    for h in hypotheses:
        require(len(set(h)) >= 2, "%s greedy output %r repeats one token" % (name, h))


def check_sampling(name, sample):
    """Sampling must depend on the seed, and only on it.

    CTranslate2 seeds a worker thread's generator on that thread's first sampling call, so
    each sample() loads a fresh model (one new worker thread) after set_random_seed.
    """
    outputs = {}
    for seed in (1, 2, 3, 1):
        ctranslate2.set_random_seed(seed)
        outputs.setdefault(seed, []).append(sample())
    require(outputs[1][0] == outputs[1][1], "%s sampling with seed 1 is not reproducible" % name)
    require(len({repr(outputs[s][0]) for s in (1, 2, 3)}) == 3,
            "%s sampling gives the same output for two of the seeds 1, 2, 3" % name)


def check(out):
    sources = [["t5", "t9", "t12"], ["t7", "t30", "t31", "t8", "t44"], ["t60"]]

    translator = load(ctranslate2.Translator, os.path.join(out, "translator"))
    greedy = translator.translate_batch(sources, beam_size=1, max_decoding_length=20)
    check_decoding("translator", [r.hypotheses[0] for r in greedy])
    check_sampling("translator", lambda: [
        r.hypotheses[0]
        for r in load(ctranslate2.Translator, os.path.join(out, "translator")).translate_batch(
            sources, beam_size=1, sampling_topk=10, max_decoding_length=20)])
    ended = [len(r.hypotheses[0]) < 20 for r in translator.translate_batch(sources, max_decoding_length=20)]
    require(any(ended), "translator beam search never emits </s> within 20 steps")

    generator = load(ctranslate2.Generator, os.path.join(out, "generator"))
    prompts = [["<s>", "t5", "t9"], ["<s>", "t40"], ["<s>"]]
    greedy = generator.generate_batch(prompts, max_length=20, include_prompt_in_result=False)
    check_decoding("generator", [r.sequences[0] for r in greedy])
    check_sampling("generator", lambda: [
        r.sequences[0]
        for r in load(ctranslate2.Generator, os.path.join(out, "generator")).generate_batch(
            prompts, sampling_topk=10, max_length=20, include_prompt_in_result=False)])

    encoder = load(ctranslate2.Encoder, os.path.join(out, "encoder"))
    output = encoder.forward_batch([["t5", "t9", "t12"], ["t7"]])
    hidden = np.array(output.last_hidden_state)
    pooled = np.array(output.pooler_output)
    require(hidden.shape == (2, 3, D_MODEL), "encoder hidden state shape %s" % (hidden.shape,))
    require(pooled.shape == (2, D_MODEL), "encoder pooler shape %s" % (pooled.shape,))
    require(np.isfinite(hidden).all() and np.isfinite(pooled).all(), "encoder output is not finite")
    require(np.abs(hidden[0] - hidden[1]).max() > 1e-3, "encoder output ignores its input")


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: make-models.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    build_translator(os.path.join(out, "translator"))
    build_generator(os.path.join(out, "generator"))
    build_encoder(os.path.join(out, "encoder"))
    check(out)
    print(out)


if __name__ == "__main__":
    main()
