package dev.ct2j.server;

/** An error answered with OpenAI's body: {"error":{"message","type","param","code"}}. */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;
    final Integer retryAfterSeconds;

    ApiException(int status, String type, String message, String param, String code, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badRequest(String message, String param) {
        return new ApiException(400, "invalid_request_error", message, param, null, null);
    }

    static ApiException notFound(String message, String code) {
        return new ApiException(404, "invalid_request_error", message, null, code, null);
    }

    static ApiException conflict(String message) {
        return new ApiException(409, "invalid_request_error", message, null, "model_in_use", null);
    }
}
