package io.upbeat.assignment;

/**
 * One stack frame as the agent sent it. Frames are listed innermost first (the frame that threw
 * comes first), as Java prints them.
 */
public record Frame(
    String module, String function, String filename, String path, Integer lineno, boolean inApp) {

  /** {@code UserService.find:42}, for reasons shown to people. */
  String label() {
    String type = module == null ? "" : module.substring(module.lastIndexOf('.') + 1);
    String where = type.isEmpty() ? (filename == null ? "?" : filename) : type;
    return where + (function == null ? "" : "." + function) + (lineno == null ? "" : ":" + lineno);
  }
}
