// Audio decoding the way faster-whisper's decode_audio does it through PyAV:
// first audio stream, frames that fail with AVERROR_INVALIDDATA skipped, resampled by
// libswresample with its default options (PyAV's AudioResampler is an aformat filter graph that
// auto-inserts aresample, i.e. swr with defaults) to s16 at the target rate, mono or stereo,
// then divided by 32768. Resampling one continuous stream and flushing once at the end is what
// PyAV's grouping into 500k-sample reads amounts to.

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libswresample/swresample.h>
}

#include "ct2j.h"
#include "internal.h"

using namespace ct2j_internal;

struct ct2j_audio {
    std::vector<float> channels[2];
    int32_t count = 1;
};

namespace {
std::string av_error(int code) {
    char buffer[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, buffer, sizeof(buffer));
    return buffer;
}

struct FormatCloser {
    void operator()(AVFormatContext *c) const { avformat_close_input(&c); }
};
struct CodecCloser {
    void operator()(AVCodecContext *c) const { avcodec_free_context(&c); }
};
struct SwrCloser {
    void operator()(SwrContext *c) const { swr_free(&c); }
};
struct FrameCloser {
    void operator()(AVFrame *f) const { av_frame_free(&f); }
};
struct PacketCloser {
    void operator()(AVPacket *p) const { av_packet_free(&p); }
};

constexpr int kMinInputRate = 1000, kMaxInputRate = 2822400;

class Decoder {
public:
    Decoder(const std::string &path, int sample_rate, bool stereo)
        : path_(path), sample_rate_(sample_rate), out_channels_(stereo ? 2 : 1) {}
    ~Decoder() { av_channel_layout_uninit(&setup_layout_); }
    Decoder(const Decoder &) = delete;
    Decoder &operator=(const Decoder &) = delete;

    std::vector<int16_t> run() {
        open();
        std::unique_ptr<AVPacket, PacketCloser> packet(av_packet_alloc());
        std::unique_ptr<AVFrame, FrameCloser> frame(av_frame_alloc());
        if (!packet || !frame)
            throw std::bad_alloc();
        int err;
        while ((err = av_read_frame(format_.get(), packet.get())) >= 0) {
            if (packet->stream_index == stream_index_)
                send(packet.get(), frame.get());
            av_packet_unref(packet.get());
        }
        if (err != AVERROR_EOF)
            fail(CT2J_ERR_DECODE, "error while reading audio file '" + path_ + "': " + av_error(err));
        send(nullptr, frame.get());
        flush_resampler();
        return std::move(samples_);
    }

private:
    void open() {
        AVFormatContext *raw = nullptr;
        int err = avformat_open_input(&raw, path_.c_str(), nullptr, nullptr);
        if (err < 0)
            fail(CT2J_ERR_DECODE, "cannot open audio file '" + path_ + "': " + av_error(err));
        format_.reset(raw);
        err = avformat_find_stream_info(format_.get(), nullptr);
        if (err < 0)
            fail(CT2J_ERR_DECODE, "cannot read stream information of '" + path_ + "': " + av_error(err));
        // PyAV's container.decode(audio=0) takes the first audio stream, not the "best" one.
        for (unsigned i = 0; i < format_->nb_streams; ++i) {
            if (format_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
                stream_index_ = static_cast<int>(i);
                break;
            }
        }
        if (stream_index_ < 0)
            fail(CT2J_ERR_DECODE, "'" + path_ + "' has no audio stream");
        const AVCodecParameters *par = format_->streams[stream_index_]->codecpar;
        const AVCodec *codec = avcodec_find_decoder(par->codec_id);
        if (!codec)
            fail(CT2J_ERR_DECODE, "no decoder for the audio codec of '" + path_ + "' (" +
                                      avcodec_get_name(par->codec_id) + ")");
        codec_.reset(avcodec_alloc_context3(codec));
        if (!codec_)
            throw std::bad_alloc();
        if ((err = avcodec_parameters_to_context(codec_.get(), par)) < 0 ||
            (err = avcodec_open2(codec_.get(), codec, nullptr)) < 0)
            fail(CT2J_ERR_DECODE, "cannot open the audio decoder for '" + path_ + "': " + av_error(err));
    }

    void send(const AVPacket *packet, AVFrame *frame) {
        int err = avcodec_send_packet(codec_.get(), packet);
        // faster-whisper skips frames that raise InvalidDataError and goes on.
        if (err == AVERROR_INVALIDDATA)
            return;
        if (err < 0 && err != AVERROR_EOF)
            fail(CT2J_ERR_DECODE, "cannot decode audio in '" + path_ + "': " + av_error(err));
        while (true) {
            err = avcodec_receive_frame(codec_.get(), frame);
            if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
                return;
            if (err == AVERROR_INVALIDDATA)
                continue;
            if (err < 0)
                fail(CT2J_ERR_DECODE, "cannot decode audio in '" + path_ + "': " + av_error(err));
            resample(frame);
            av_frame_unref(frame);
        }
    }

    void init_resampler(const AVFrame *frame) {
        // A header can claim any rate from 1 Hz to INT_MAX. libswresample's filter grows with the
        // ratio of the rates (a 1 KB WAV claiming 1 GHz took 10 s and 1.5 GB), and so does the
        // output (a 162-byte WAV claiming 1 Hz asked for over 4 GB). Real audio stays within
        // [1 kHz, DSD64's 2.8224 MHz].
        if (frame->sample_rate < kMinInputRate || frame->sample_rate > kMaxInputRate)
            fail(CT2J_ERR_DECODE, "'" + path_ + "' claims a sample rate of " + std::to_string(frame->sample_rate) +
                                      " Hz, outside the [" + std::to_string(kMinInputRate) + ", " +
                                      std::to_string(kMaxInputRate) + "] Hz ct2j decodes");
        // av_channel_layout_copy uninits its destination first: it must start zeroed.
        AVChannelLayout in_layout = {};
        if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame->ch_layout.nb_channels == 0) {
            const int channels = frame->ch_layout.nb_channels > 0 ? frame->ch_layout.nb_channels
                                                                   : codec_->ch_layout.nb_channels;
            av_channel_layout_default(&in_layout, channels);
        } else if (av_channel_layout_copy(&in_layout, &frame->ch_layout) < 0) {
            throw std::bad_alloc();
        }
        AVChannelLayout out_layout = {};
        av_channel_layout_default(&out_layout, out_channels_);
        SwrContext *raw = nullptr;
        int err = swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_S16, sample_rate_, &in_layout,
                                      static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr);
        av_channel_layout_uninit(&in_layout);
        av_channel_layout_uninit(&out_layout);
        if (err < 0 || (err = swr_init(raw)) < 0) {
            swr_free(&raw);
            fail(CT2J_ERR_DECODE, "cannot resample the audio of '" + path_ + "': " + av_error(err));
        }
        swr_.reset(raw);
        setup_format_ = frame->format;
        setup_rate_ = frame->sample_rate;
        if (av_channel_layout_copy(&setup_layout_, &frame->ch_layout) < 0)
            throw std::bad_alloc();
    }

    void convert(const uint8_t **input, int in_samples) {
        const int capacity = swr_get_out_samples(swr_.get(), in_samples);
        if (capacity <= 0)
            return;
        const size_t offset = samples_.size();
        samples_.resize(offset + static_cast<size_t>(capacity) * out_channels_);
        uint8_t *out = reinterpret_cast<uint8_t *>(samples_.data() + offset);
        const int produced = swr_convert(swr_.get(), &out, capacity, input, in_samples);
        if (produced < 0)
            fail(CT2J_ERR_DECODE, "cannot resample the audio of '" + path_ + "': " + av_error(produced));
        samples_.resize(offset + static_cast<size_t>(produced) * out_channels_);
    }

    void resample(const AVFrame *frame) {
        if (!swr_)
            init_resampler(frame);
        // The resampler reads the channels it was set up for: a frame with another layout, format
        // or rate is refused, as PyAV's AudioResampler does ("Frame does not match AudioResampler
        // setup."), which fails faster-whisper's decode_audio too.
        else if (frame->format != setup_format_ || frame->sample_rate != setup_rate_ ||
                 av_channel_layout_compare(&frame->ch_layout, &setup_layout_) != 0)
            fail(CT2J_ERR_DECODE, "the audio format of '" + path_ +
                                      "' changes mid-stream (sample format, rate or channel layout)");
        convert(const_cast<const uint8_t **>(frame->extended_data), frame->nb_samples);
    }

    void flush_resampler() {
        if (!swr_)
            return;
        while (true) {
            const size_t before = samples_.size();
            convert(nullptr, 0);
            if (samples_.size() == before)
                return;
        }
    }

    std::string path_;
    int sample_rate_;
    int out_channels_;
    int stream_index_ = -1;
    std::unique_ptr<AVFormatContext, FormatCloser> format_;
    std::unique_ptr<AVCodecContext, CodecCloser> codec_;
    std::unique_ptr<SwrContext, SwrCloser> swr_;
    int setup_format_ = -1, setup_rate_ = 0; // of the first frame, which the resampler is set up for
    AVChannelLayout setup_layout_ = {};
    std::vector<int16_t> samples_;
};
} // namespace

extern "C" {

ct2j_status ct2j_audio_decode(const char *path, int32_t sample_rate, bool split_stereo, ct2j_audio **out_audio) {
    return guard([&] {
        require_out(out_audio, "out_audio");
        require(path != nullptr && *path, "audio path must not be empty");
        require(sample_rate >= 1000 && sample_rate <= 384000,
                "sample_rate must be in [1000, 384000], got " + std::to_string(sample_rate));
        struct stat info;
        if (stat(path, &info) != 0)
            fail(CT2J_ERR_NOT_FOUND, std::string("audio file not found: '") + path + "'");
        if (!S_ISREG(info.st_mode))
            fail(CT2J_ERR_DECODE, std::string("'") + path + "' is not a regular file");
        av_log_set_level(AV_LOG_QUIET); // failures surface as ct2j errors naming the file
        std::vector<int16_t> pcm = Decoder(path, sample_rate, split_stereo).run();
        auto audio = std::make_unique<ct2j_audio>();
        audio->count = split_stereo ? 2 : 1;
        const size_t frames = pcm.size() / static_cast<size_t>(audio->count);
        for (int c = 0; c < audio->count; ++c) {
            auto &channel = audio->channels[c];
            channel.resize(frames);
            for (size_t i = 0; i < frames; ++i)
                channel[i] = static_cast<float>(pcm[i * audio->count + c]) / 32768.0f;
        }
        *out_audio = audio.release();
    });
}

void ct2j_audio_free(ct2j_audio *audio) { delete audio; }

int32_t ct2j_audio_channels(const ct2j_audio *audio) { return audio ? audio->count : 0; }

const float *ct2j_audio_samples(const ct2j_audio *audio, int32_t channel, size_t *count) {
    if (count)
        *count = 0;
    if (!audio || channel < 0 || channel >= audio->count)
        return nullptr;
    const auto &samples = audio->channels[channel];
    if (count)
        *count = samples.size();
    static const float empty = 0;
    return samples.empty() ? &empty : samples.data();
}

} // extern "C"
