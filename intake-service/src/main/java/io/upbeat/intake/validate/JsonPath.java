package io.upbeat.intake.validate;

/**
 * Where a value sits in the request, built as the parser descends and rendered only when a problem
 * is reported ({@code transactions[3].duration_ms}).
 */
record JsonPath(JsonPath parent, String name, int index) {
  static final JsonPath ROOT = new JsonPath(null, null, -1);

  JsonPath field(String field) {
    return new JsonPath(this, field, -1);
  }

  JsonPath at(int i) {
    return new JsonPath(this, null, i);
  }

  @Override
  public String toString() {
    if (parent == null) {
      return "$";
    }
    StringBuilder sb = new StringBuilder();
    render(sb);
    return sb.toString();
  }

  private void render(StringBuilder sb) {
    if (parent == null) {
      return;
    }
    parent.render(sb);
    if (name != null) {
      if (!sb.isEmpty()) {
        sb.append('.');
      }
      sb.append(name);
    } else {
      sb.append('[').append(index).append(']');
    }
  }
}
