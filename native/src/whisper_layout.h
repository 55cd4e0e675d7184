// The check of model.bin's variable index against the Whisper layout (whisper_layout.cc).
#pragma once

#include <ctranslate2/models/model_reader.h>

namespace ct2j_internal {

// Reads model.bin's header and variable index through the reader CTranslate2 will load from
// (payloads are skipped), and refuses, with a message starting "model.bin: ", any model whose
// variables are not those of a Whisper model (CTranslate2's WhisperSpec) with consistent shapes.
void check_whisper_layout(ctranslate2::models::ModelReader &reader);

} // namespace ct2j_internal
