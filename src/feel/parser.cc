// FEEL parser: text → slot-resolved node tree (DMN 1.5 §10.3.1 grammar).
//
// Names may contain spaces and other symbols ("Monthly Salary", "date and time"), so the lexer
// cannot tell where a name ends on its own: at a name, the parser tries every name in scope
// (locals, the model's names, built-ins) against the source text and takes the longest match;
// failing that, consecutive plain words are joined into one name.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <set>
#include <string>
#include <typeinfo>
#include <unordered_map>

#include "feel/builtins.h"
#include "feel/condition_shapes.h"
#include "feel/context_put_node.h"
#include "feel/distinct_first.h"
#include "feel/equality_join.h"
#include "feel/feel.h"
#include "feel/first_match.h"
#include "feel/first_or_else.h"
#include "feel/if_chain.h"
#include "feel/index_offset.h"
#include "feel/list_calls.h"
#include "feel/list_idioms.h"
#include "feel/loop_paths.h"
#include "feel/nodes.h"
#include "feel/string_chain.h"
#include "feel/user_call.h"
#include "feel/utf8.h"

namespace zebra::feel {
namespace internal {
namespace {

enum class Tok : uint8_t { kEnd, kNumber, kString, kName, kPunct, kError };

struct Token {
  Tok kind = Tok::kEnd;
  size_t start = 0;
  size_t end = 0;
  std::string_view text;
};

bool IsNameStart(unsigned char c) { return std::isalpha(c) || c == '_' || c == '?' || c >= 0x80; }
bool IsNamePart(unsigned char c) { return IsNameStart(c) || std::isdigit(c); }

bool IsKeyword(std::string_view w) {
  static constexpr std::string_view kKeywords[] = {"and",   "or",        "in",      "instance", "of",
                                                   "then",  "else",      "return",  "satisfies", "between",
                                                   "if",    "for",       "some",    "every",     "function",
                                                   "true",  "false",     "null",    "external"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), w) != std::end(kKeywords);
}

struct ParseError {
  std::string message;
  size_t pos;
};

class Parser {
 public:
  Parser(std::string_view src, const Scope& scope, const CompileOptions& options)
      : src_(src), scope_(scope), options_(options) {
    for (size_t i = 0; i < scope.names().size(); ++i) AddKnown(scope.names()[i]);
  }

  // The whole text must have been read: anything left is an error at its first token.
  tl::expected<std::shared_ptr<const Root>, Diagnostic> Finish(std::shared_ptr<Root> root) {
    if (!error_) {
      Token t = Peek();
      if (t.kind != Tok::kEnd) Fail("unexpected '" + std::string(t.text) + "'", t.start);
    }
    if (error_) return tl::unexpected(MakeDiagnostic());
    // Each join's index slot, above every slot a name or construct uses (never reused but by
    // joins that make the same index: equality_join.h).
    for (size_t i = 0; i < joins_.size(); ++i) {
      for (size_t j = 0; j < i && joins_[i]->join_slot < 0; ++j)
        if (SameJoinIndex(*joins_[j], *joins_[i])) joins_[i]->join_slot = joins_[j]->join_slot;
      if (joins_[i]->join_slot < 0) joins_[i]->join_slot = max_locals_++;
    }
    root->locals = max_locals_;
    // Only a name reads a local slot: a filter whose item slot no name reads need not write it.
    for (const auto& filter : filters_) filter->writes_item = read_locals_.count(filter->item_slot) != 0;
    // Only a filter's probe reads a slot that its construct did not write first.
    std::set<int> probed;
    for (const auto& filter : filters_)
      if (filter->writes_item) probed.insert(filter->item_slot);
    for (const auto& loop : fors_)
      if (!loop->iterators.empty()) loop->keeps_var = probed.count(loop->iterators[0].slot) != 0;
    for (const auto& loop : fors_) loop->projection = LoopProjection(*loop);
    for (const auto& loop : fors_) loop->distinct_first = DistinctFirstPlanOf(*loop);
    // A context entry's slot that no name reads (not a later entry, a nested function or a
    // filter's probe) need not hold the entry's value.
    for (const auto& ctx : contexts_)
      for (auto& e : ctx->entries) e.read = read_locals_.count(e.slot) != 0;
    return root;
  }

  tl::expected<std::shared_ptr<const Root>, Diagnostic> ParseExpressionRoot() {
    auto root = std::make_shared<Root>();
    root->body = ParseExpression();
    return Finish(std::move(root));
  }

  tl::expected<std::shared_ptr<const Root>, Diagnostic> ParseUnaryTestsRoot() {
    auto root = std::make_shared<Root>();
    PushScope();
    input_slot_ = DeclareLocal("?");
    root->input_slot = input_slot_;
    in_unary_tests_ = true;
    root->body = ParseUnaryTests();
    return Finish(std::move(root));
  }

 private:
  // ---- errors --------------------------------------------------------------------------
  void Fail(std::string message, size_t pos) {
    if (!error_) error_ = ParseError{std::move(message), pos};
  }
  Diagnostic MakeDiagnostic() const {
    Diagnostic d;
    d.message = error_->message;
    auto [line, col] = LineCol(error_->pos);
    d.line = line;
    d.column = col;
    return d;
  }
  // Incremental from the last position asked for: nodes are made left to right, so the whole
  // parse stays linear in the text length.
  std::pair<int, int> LineCol(size_t pos) const {
    if (pos < lc_pos_) {
      lc_pos_ = 0;
      lc_line_ = 1;
      lc_col_ = 1;
    }
    int line = lc_line_, col = lc_col_;
    for (size_t i = lc_pos_; i < pos && i < src_.size(); ++i) {
      if (src_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    lc_pos_ = std::min(pos, src_.size());
    lc_line_ = line;
    lc_col_ = col;
    return {line, col};
  }
  template <typename T>
  std::shared_ptr<T> Make(size_t pos) {
    auto n = std::make_shared<T>();
    auto [line, col] = LineCol(pos);
    n->line = line;
    n->column = col;
    return n;
  }
  // A node that starts at the keyword or operator token it consumes.
  template <typename T>
  std::shared_ptr<T> MakeAtNext() {
    return Make<T>(Next().start);
  }
  NodePtr ErrorNode() { return std::make_shared<LiteralNode>(); }

  // ---- lexing ----------------------------------------------------------------------------
  // DMN 1.5 §10.3.1.2 rule 61: Unicode white space (no-break space, the U+2000 block, ...).
  size_t UnicodeSpaceLength(size_t p) const {
    auto b = [&](size_t i) { return i < src_.size() ? static_cast<unsigned char>(src_[i]) : 0; };
    if (b(p) == 0xC2 && (b(p + 1) == 0xA0 || b(p + 1) == 0x85)) return 2;
    if (b(p) == 0xE2 && b(p + 1) == 0x80 && ((b(p + 2) >= 0x80 && b(p + 2) <= 0x8B) || b(p + 2) == 0xA8 || b(p + 2) == 0xA9 || b(p + 2) == 0xAF))
      return 3;
    if (b(p) == 0xE2 && b(p + 1) == 0x81 && b(p + 2) == 0x9F) return 3;
    if (b(p) == 0xE3 && b(p + 1) == 0x80 && b(p + 2) == 0x80) return 3;
    if (b(p) == 0xEF && b(p + 1) == 0xBB && b(p + 2) == 0xBF) return 3;
    return 0;
  }

  void SkipSpace(size_t& p) const {
    for (;;) {
      while (p < src_.size()) {
        if (std::isspace(static_cast<unsigned char>(src_[p]))) {
          ++p;
        } else if (size_t n = UnicodeSpaceLength(p)) {
          p += n;
        } else {
          break;
        }
      }
      if (p + 1 < src_.size() && src_[p] == '/' && src_[p + 1] == '/') {
        while (p < src_.size() && src_[p] != '\n') ++p;
        continue;
      }
      if (p + 1 < src_.size() && src_[p] == '/' && src_[p + 1] == '*') {
        size_t close = src_.find("*/", p + 2);
        p = close == std::string_view::npos ? src_.size() : close + 2;
        continue;
      }
      break;
    }
  }

  Token LexAt(size_t p) const {
    SkipSpace(p);
    Token t;
    t.start = p;
    if (p >= src_.size()) {
      t.kind = Tok::kEnd;
      t.end = p;
      return t;
    }
    unsigned char c = static_cast<unsigned char>(src_[p]);
    if (std::isdigit(c) || (c == '.' && p + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p + 1])))) {
      size_t q = p;
      while (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) ++q;
      if (q + 1 < src_.size() && src_[q] == '.' && std::isdigit(static_cast<unsigned char>(src_[q + 1]))) {
        ++q;
        while (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) ++q;
      }
      // Exponent (accepted for convenience: 1.2e3).
      if (q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
        size_t r = q + 1;
        if (r < src_.size() && (src_[r] == '+' || src_[r] == '-')) ++r;
        if (r < src_.size() && std::isdigit(static_cast<unsigned char>(src_[r]))) {
          while (r < src_.size() && std::isdigit(static_cast<unsigned char>(src_[r]))) ++r;
          q = r;
        }
      }
      t.kind = Tok::kNumber;
      t.end = q;
    } else if (c == '"') {
      size_t q = p + 1;
      bool vertical_space = false;
      while (q < src_.size() && src_[q] != '"') {
        if (src_[q] == '\n' || src_[q] == '\r') vertical_space = true;
        if (src_[q] == '\\' && q + 1 < src_.size()) ++q;
        ++q;
      }
      if (vertical_space && q < src_.size()) {
        // DMN 1.5 §10.3.1.2 rule 33: a string literal cannot span lines.
        t.kind = Tok::kError;
        t.end = q + 1;
        t.text = "line break inside a string literal (use \\n)";
        return t;
      }
      if (q >= src_.size()) {
        t.kind = Tok::kError;
        t.end = src_.size();
        t.text = "unterminated string";
        return t;
      }
      t.kind = Tok::kString;
      t.end = q + 1;
    } else if (IsNameStart(c)) {
      size_t q = p;
      if (c == '?') {
        q = p + 1;
      } else {
        while (q < src_.size() && IsNamePart(static_cast<unsigned char>(src_[q])) && src_[q] != '?') ++q;
      }
      t.kind = Tok::kName;
      t.end = q;
    } else {
      static constexpr std::string_view kTwo[] = {"..", "**", "<=", ">=", "!=", "->"};
      t.kind = Tok::kPunct;
      t.end = p + 1;
      for (auto two : kTwo) {
        if (src_.substr(p, 2) == two) {
          t.end = p + 2;
          break;
        }
      }
      if (t.end == p + 1 && !std::strchr("()[]{},.:=<>+-*/@", c)) {
        t.kind = Tok::kError;
        t.text = "unexpected character";
        return t;
      }
    }
    t.text = src_.substr(t.start, t.end - t.start);
    return t;
  }

  Token Peek() const { return LexAt(pos_); }
  Token Next() {
    Token t = LexAt(pos_);
    if (t.kind == Tok::kError) {
      Fail(std::string(t.text), t.start);
      pos_ = src_.size();
      return t;
    }
    pos_ = t.end;
    return t;
  }
  bool PeekPunct(std::string_view p) const {
    Token t = Peek();
    return t.kind == Tok::kPunct && t.text == p;
  }
  bool PeekWord(std::string_view w) const {
    Token t = Peek();
    return t.kind == Tok::kName && t.text == w;
  }
  bool EatPunct(std::string_view p) {
    if (!PeekPunct(p)) return false;
    Next();
    return true;
  }
  bool EatWord(std::string_view w) {
    if (!PeekWord(w)) return false;
    Next();
    return true;
  }
  void ExpectPunct(std::string_view p) {
    if (!EatPunct(p)) {
      Token t = Peek();
      Fail("expected '" + std::string(p) + "' but found " + Describe(t), t.start);
    }
  }
  void ExpectWord(std::string_view w) {
    if (!EatWord(w)) {
      Token t = Peek();
      Fail("expected '" + std::string(w) + "' but found " + Describe(t), t.start);
    }
  }
  static std::string Describe(const Token& t) {
    if (t.kind == Tok::kEnd) return "end of expression";
    return "'" + std::string(t.text) + "'";
  }

  // ---- names -----------------------------------------------------------------------------
  void AddKnown(const std::string& name) {
    if (name.empty()) return;
    known_[static_cast<unsigned char>(name[0])].push_back(&name);
  }

  // Built-in names by first byte, built once per process: every compile used to rebuild it,
  // which dominated loading a knowledge base of thousands of cells.
  using NameIndex = std::array<std::vector<const std::string*>, 256>;
  static const NameIndex& BuiltinIndex() {
    static const NameIndex index = [] {
      NameIndex x;
      for (const auto& n : BuiltinNames())
        if (!n.empty()) x[static_cast<unsigned char>(n[0])].push_back(&n);
      return x;
    }();
    return index;
  }

  // Length in the source of `name` starting at p (whitespace in the name matches any run of
  // whitespace), or 0 when it does not match there.
  size_t MatchName(const std::string& name, size_t p) const {
    size_t i = 0, q = p;
    while (i < name.size()) {
      if (std::isspace(static_cast<unsigned char>(name[i]))) {
        if (q >= src_.size() || !std::isspace(static_cast<unsigned char>(src_[q]))) return 0;
        while (i < name.size() && std::isspace(static_cast<unsigned char>(name[i]))) ++i;
        while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
        continue;
      }
      if (q >= src_.size() || src_[q] != name[i]) return 0;
      ++i;
      ++q;
    }
    if (q < src_.size() && IsNamePart(static_cast<unsigned char>(src_[q])) &&
        IsNamePart(static_cast<unsigned char>(name.back())))
      return 0;
    return q - p;
  }

  // Reads a name at the current position. Returns the canonical name text.
  std::string ReadName() {
    Token first = Peek();
    size_t p = first.start;
    size_t best = 0;
    const std::string* best_name = nullptr;
    auto try_list = [&](const std::vector<const std::string*>& names) {
      for (const std::string* n : names) {
        if (n->size() <= best) continue;
        size_t len = MatchName(*n, p);
        if (len > best) {
          best = len;
          best_name = n;
        }
      }
    };
    auto it = known_.find(static_cast<unsigned char>(src_[p]));
    if (it != known_.end()) try_list(it->second);
    try_list(BuiltinIndex()[static_cast<unsigned char>(src_[p])]);
    for (const auto& scope : locals_)
      for (const auto& [n, slot] : scope)
        if (!n.empty() && n[0] == src_[p] && n.size() > best) {
          size_t len = MatchName(n, p);
          if (len > best) {
            best = len;
            best_name = &n;
          }
        }
    if (best_name && best > first.text.size()) {
      pos_ = p + best;
      return *best_name;
    }
    // Plain words joined into one name: `first name` inside a filter, say.
    Next();
    std::string name(first.text);
    if (name == "?") return name;
    for (;;) {
      Token t = Peek();
      if (t.kind != Tok::kName || IsKeyword(t.text) || t.text == "?") break;
      // Joining a word to a known name would shadow real structure; join unknown words only.
      name += ' ';
      name += t.text;
      Next();
    }
    return name;
  }

  // ---- local scopes -------------------------------------------------------------------------
  void PushScope() { locals_.emplace_back(); }
  void PopScope() {
    next_local_ -= static_cast<int>(locals_.back().size());
    locals_.pop_back();
  }
  int DeclareLocal(const std::string& name) {
    int slot = next_local_++;
    max_locals_ = std::max(max_locals_, next_local_);
    locals_.back().emplace_back(name, slot);
    return slot;
  }
  std::optional<int> FindLocal(const std::string& name) const {
    for (auto s = locals_.rbegin(); s != locals_.rend(); ++s)
      for (auto e = s->rbegin(); e != s->rend(); ++e)
        if (e->first == name) return e->second;
    return std::nullopt;
  }

  struct DepthGuard {
    Parser* p;
    bool ok;
    explicit DepthGuard(Parser* parser) : p(parser), ok(++parser->depth_ <= parser->options_.max_nesting) {
      if (!ok) p->Fail("expression nested too deeply (limit " + std::to_string(p->options_.max_nesting) + ")", p->pos_);
    }
    ~DepthGuard() { --p->depth_; }
  };

  // A left-deep operator chain is as deep as it is long: count each operator as a level.
  bool ChainStep(int& added) {
    ++added;
    if (++depth_ > options_.max_nesting) {
      Fail("expression nested too deeply (limit " + std::to_string(options_.max_nesting) + ")", pos_);
      return false;
    }
    return true;
  }

  // ---- expressions -----------------------------------------------------------------------------
  NodePtr ParseExpression() {
    DepthGuard guard(this);
    if (!guard.ok || error_) return ErrorNode();
    Token t = Peek();
    if (t.kind == Tok::kName) {
      if (t.text == "if") return ParseIf();
      if (t.text == "for") return ParseFor();
      if (t.text == "some" || t.text == "every") return ParseQuantified();
      if (t.text == "function") return ParseFunctionDef();
    }
    return ParseDisjunction();
  }

  NodePtr ParseIf() {
    size_t start = Next().start;
    auto n = Make<IfNode>(start);
    n->condition = ParseExpression();
    ExpectWord("then");
    n->then_branch = ParseExpression();
    ExpectWord("else");
    n->else_branch = ParseExpression();
    const Node& condition = *n->condition;
    if (typeid(condition) == typeid(NullTestNode)) {
      auto t = std::make_shared<IfNullNode>();
      t->line = n->line;
      t->column = n->column;
      t->test = static_cast<const BinaryNode*>(n->condition.get());
      t->condition = std::move(n->condition);
      t->then_branch = std::move(n->then_branch);
      t->else_branch = std::move(n->else_branch);
      return SpecialisedCoalesce(std::move(t));  // `if x = null then d else x`: x read once
    }
    if (NodePtr s = SpecialisedFirstOrElse(n)) return s;  // `if count(x) > 0 then x[1].a else d`
    return SpecialisedIfChain(std::move(n));  // `else if` levels in one node, branches read in place
  }

  std::vector<IterationContext> ParseIterators() {
    std::vector<IterationContext> its;
    do {
      IterationContext ic;
      Token t = Peek();
      if (t.kind != Tok::kName) {
        Fail("expected a variable name but found " + Describe(t), t.start);
        return its;
      }
      ic.name = ReadName();
      ExpectWord("in");
      ic.domain = ParseIterationDomain();
      if (EatPunct("..")) ic.range_end = ParseIterationDomain();
      // Declared after the domain: the domain cannot see its own variable.
      ic.slot = DeclareLocal(ic.name);
      its.push_back(std::move(ic));
    } while (!error_ && EatPunct(","));
    return its;
  }
  NodePtr ParseIterationDomain() { return ParseDisjunction(); }

  NodePtr ParseFor() {
    size_t start = Next().start;
    auto n = Make<ForNode>(start);
    PushScope();
    n->iterators = ParseIterators();
    n->partial_slot = DeclareLocal("partial");
    ExpectWord("return");
    const int partial_refs = partial_refs_;
    n->body = ParseExpression();
    n->uses_partial = partial_refs_ != partial_refs;
    fors_.push_back(n);
    PopScope();
    return n;
  }

  NodePtr ParseQuantified() {
    Token kw = Next();
    auto n = Make<QuantifiedNode>(kw.start);
    n->every = kw.text == "every";
    PushScope();
    n->iterators = ParseIterators();
    ExpectWord("satisfies");
    n->condition = ParseExpression();
    PopScope();
    return n;
  }

  NodePtr ParseFunctionDef() {
    size_t start = Next().start;
    auto n = Make<FunctionDefNode>(start);
    ExpectPunct("(");
    // The body runs in a fresh frame that starts with the slots it names of this one.
    Capture capture{next_local_, {}, {}};
    captures_.push_back(&capture);
    PushScope();
    if (!EatPunct(")")) {
      do {
        Token t = Peek();
        if (t.kind != Tok::kName) {
          Fail("expected a parameter name but found " + Describe(t), t.start);
          break;
        }
        std::string name = ReadParamName();
        std::optional<TypeSpec> type;
        if (EatPunct(":")) type = ParseTypeHere();
        n->params.emplace_back(DeclareLocal(name), name);
        n->param_types.push_back(std::move(type));
      } while (!error_ && EatPunct(","));
      ExpectPunct(")");
    }
    if (EatWord("external")) {
      n->external = true;
      n->body = ParseExpression();  // the mapping context, kept for diagnostics only
    } else {
      n->body = ParseExpression();
    }
    PopScope();
    captures_.pop_back();
    for (const auto& p : n->params) n->param_names.push_back(p.second);
    n->frame_size = max_locals_;
    auto sorted = [](std::vector<int> v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      return v;
    };
    n->captured_globals = sorted(std::move(capture.globals));
    if (capture.whole_frame) {
      capture.locals.clear();
      for (int slot = 0; slot < n->frame_size; ++slot)
        if (std::none_of(n->params.begin(), n->params.end(), [&](const auto& p) { return p.first == slot; }))
          capture.locals.push_back(slot);
    }
    n->captured_locals = sorted(std::move(capture.locals));
    return n;
  }

  // The slots of the enclosing frames that a function body reads (its own and those of the
  // functions nested in it): the closure copies these and no others.
  struct Capture {
    int base = 0;  // the first slot of the function's own (its parameters and what follows)
    std::vector<int> globals;
    std::vector<int> locals;
    bool whole_frame = false;  // every slot but the parameters' (see the filter below)
  };
  // Every node that reads a local or global slot must be noted here (ParseName does it for the
  // names): closures capture, filters write their item slot and one-iterator loops keep their
  // variable by these records, so a node reading a slot unnoted would see null.
  void NoteLocal(int slot) {
    read_locals_.insert(slot);
    for (Capture* c : captures_)
      if (slot < c->base) c->locals.push_back(slot);
  }
  void NoteGlobal(int slot) {
    for (Capture* c : captures_) c->globals.push_back(slot);
  }

  // Parameter names: words up to ',', ')' or ':'.
  std::string ReadParamName() {
    std::string name;
    for (;;) {
      Token t = Peek();
      if (t.kind != Tok::kName) break;
      if (!name.empty()) name += ' ';
      name += t.text;
      Next();
    }
    return name;
  }

  // A type after ':' or 'instance of': taken as the longest text that parses as a type.
  std::optional<TypeSpec> ParseTypeHere() {
    SkipSpace(pos_);
    size_t start = pos_;
    size_t depth = 0;
    size_t end = start;
    size_t best_end = 0;
    std::optional<TypeSpec> best;
    // Scan forward to a delimiter at bracket depth 0, trying each prefix that ends on a word.
    while (end < src_.size()) {
      char c = src_[end];
      if (c == '<') ++depth;
      if (c == '>' && depth > 0 && !(end > 0 && src_[end - 1] == '-')) --depth;
      if (depth == 0 && (c == ',' || c == ')' || c == ']' || c == '}' || c == '=' || c == '!' ||
                         (c == '<' && false)))
        break;
      ++end;
      if (depth == 0) {
        auto t = ParseType(src_.substr(start, end - start), scope_.type_resolver());
        if (t && (end >= src_.size() || !IsNamePart(static_cast<unsigned char>(src_[end])))) {
          best = std::move(t);
          best_end = end;
        }
      }
      if (end - start > 400) break;
    }
    if (!best) {
      Fail("unknown type", start);
      return std::nullopt;
    }
    pos_ = best_end;
    return best;
  }

  // operand (word operand)*, folded to the left: `or` over conjunctions, `and` over comparisons.
  template <class Node>
  NodePtr ParseLeftChain(std::string_view word, NodePtr (Parser::*operand)()) {
    NodePtr lhs = (this->*operand)();
    int added = 0;
    while (!error_ && PeekWord(word) && ChainStep(added)) {
      size_t start = Next().start;
      auto n = Make<Node>(start);
      n->lhs = lhs;
      n->rhs = (this->*operand)();
      lhs = n;
    }
    depth_ -= added;
    if (added >= 2) return SpecialisedChain(std::move(lhs));  // three or more: condition_shapes.h
    return lhs;
  }
  NodePtr ParseDisjunction() { return ParseLeftChain<OrNode>("or", &Parser::ParseConjunction); }
  NodePtr ParseConjunction() { return ParseLeftChain<AndNode>("and", &Parser::ParseComparison); }

  std::optional<BinaryOp> PeekComparison() const {
    Token t = Peek();
    if (t.kind != Tok::kPunct) return std::nullopt;
    if (t.text == "=") return BinaryOp::kEq;
    if (t.text == "!=") return BinaryOp::kNe;
    if (t.text == "<") return BinaryOp::kLt;
    if (t.text == "<=") return BinaryOp::kLe;
    if (t.text == ">") return BinaryOp::kGt;
    if (t.text == ">=") return BinaryOp::kGe;
    return std::nullopt;
  }

  NodePtr ParseComparison() {
    DepthGuard guard(this);
    if (!guard.ok) return ErrorNode();
    NodePtr lhs = ParseAdditive();
    for (;;) {
      if (error_) return lhs;
      if (auto op = PeekComparison()) {
        lhs = ComparisonAfter(std::move(lhs), *op);
      } else if (PeekWord("between")) {
        lhs = BetweenAfter(std::move(lhs));
      } else if (PeekWord("in")) {
        lhs = InAfter(std::move(lhs));
      } else if (PeekWord("instance")) {
        lhs = InstanceOfAfter(std::move(lhs));
      } else {
        return lhs;
      }
    }
  }

  // The comparison `n` as a node specialised for its operands (same evaluation, fewer checks).
  template <class T>
  static NodePtr Specialised(const BinaryNode& n, NodePtr lhs, NodePtr rhs) {
    auto t = std::make_shared<T>();
    t->line = n.line;
    t->column = n.column;
    t->op = n.op;
    t->lhs = std::move(lhs);
    t->rhs = std::move(rhs);
    return t;
  }
  // The comparison-level operators after their left operand: lhs op rhs, value between low and
  // high, value in tests, value instance of type.
  NodePtr ComparisonAfter(NodePtr lhs, BinaryOp op) {
    const bool equality = op == BinaryOp::kEq || op == BinaryOp::kNe;
    std::shared_ptr<BinaryNode> n;
    if (equality) n = MakeAtNext<EqualNode>();
    else n = MakeAtNext<OrderNode>();
    n->op = op;
    n->lhs = std::move(lhs);
    n->rhs = ParseAdditive();
    const auto* rhs_literal = dynamic_cast<const LiteralNode*>(n->rhs.get());
    if (!equality && rhs_literal && rhs_literal->value.is(Type::kNumber))
      return SpecialisedCountCompare(op, n->lhs, n->rhs, Specialised<OrderNumberNode>(*n, n->lhs, n->rhs));
    if (equality) {
      auto is_null = [](const NodePtr& e) {
        const auto* lit = dynamic_cast<const LiteralNode*>(e.get());
        return lit && lit->value.is_null();
      };
      // Against the literal null the answer is whether the other side is null.
      if (is_null(n->rhs)) return Specialised<NullTestNode>(*n, n->lhs, n->rhs);
      if (is_null(n->lhs)) return Specialised<NullTestNode>(*n, n->rhs, n->lhs);
      if (rhs_literal && rhs_literal->value.is(Type::kString))
        return Specialised<EqualStringNode>(*n, n->lhs, n->rhs);
      if (rhs_literal && rhs_literal->value.is(Type::kBoolean)) return SpecialisedEqualBool(n);
      return SpecialisedCountCompare(op, n->lhs, n->rhs, n);
    }
    return n;
  }
  NodePtr BetweenAfter(NodePtr value) {
    auto n = MakeAtNext<BetweenNode>();
    n->value = std::move(value);
    n->low = ParseAdditive();
    ExpectWord("and");
    n->high = ParseAdditive();
    return n;
  }
  NodePtr InAfter(NodePtr value) {
    auto n = MakeAtNext<InNode>();
    n->value = std::move(value);
    // The right side may use `?` for the left value (DMN 1.5 Table 55 rule 49.c).
    PushScope();
    int saved_slot = input_slot_;
    bool saved_tests = in_unary_tests_;
    input_slot_ = DeclareLocal("?");
    in_unary_tests_ = true;
    if (PeekPunct("(") && !ParenIsRange()) {
      Next();
      n->tests = ParsePositiveUnaryTests();
      ExpectPunct(")");
    } else {
      n->tests = ParsePositiveUnaryTest();
    }
    input_slot_ = saved_slot;
    in_unary_tests_ = saved_tests;
    PopScope();
    return SpecialisedIn(std::move(n));  // `x in ("a", "b")`: condition_shapes.h
  }
  NodePtr InstanceOfAfter(NodePtr value) {
    size_t start = Next().start;
    ExpectWord("of");
    auto n = Make<InstanceOfNode>(start);
    n->value = std::move(value);
    auto t = ParseTypeHere();
    if (t) n->type = std::move(*t);
    return n;
  }

  // At '(': is this an open-start range like (1..10]?
  bool ParenIsRange() {
    size_t saved = pos_;
    auto saved_error = error_;
    Next();  // (
    int saved_depth = depth_;
    bool saved_tests = in_unary_tests_;
    // Cheap lookahead: parse an expression and look for '..'.
    auto saved_next = next_local_;
    auto saved_max = max_locals_;
    auto saved_locals = locals_;
    const size_t saved_joins = joins_.size();
    (void)ParseAdditive();
    bool is_range = !error_ && PeekPunct("..");
    pos_ = saved;
    error_ = saved_error;
    depth_ = saved_depth;
    in_unary_tests_ = saved_tests;
    next_local_ = saved_next;
    max_locals_ = saved_max;
    locals_ = std::move(saved_locals);
    joins_.resize(saved_joins);  // (the lookahead's nodes are dropped)
    return is_range;
  }

  struct InfixOp {
    std::string_view text;
    BinaryOp op;
  };

  // One left-associative level of binary operators; `operand` parses the next tighter level.
  // Each operator counts as a nesting level, since a left-deep chain is as deep as it is long.
  NodePtr ParseInfixLevel(NodePtr (Parser::*operand)(), std::initializer_list<InfixOp> ops) {
    NodePtr lhs = (this->*operand)();
    int added = 0;
    while (!error_) {
      Token t = Peek();
      const InfixOp* match = nullptr;
      if (t.kind == Tok::kPunct)
        for (const auto& o : ops)
          if (t.text == o.text) match = &o;
      if (!match || !ChainStep(added)) break;
      Next();
      auto n = Make<BinaryNode>(t.start);
      n->op = match->op;
      n->lhs = lhs;
      n->rhs = (this->*operand)();
      lhs = n;
    }
    depth_ -= added;
    return AddChain(lhs);
  }

  // A left-deep chain of two or more `+` as one AddChainNode (at the first `+`'s position).
  NodePtr AddChain(const NodePtr& top) {
    std::vector<NodePtr> operands;
    const Node* n = top.get();
    const BinaryNode* first = nullptr;
    for (;;) {
      const auto* b = dynamic_cast<const BinaryNode*>(n);
      if (!b || typeid(*b) != typeid(BinaryNode) || b->op != BinaryOp::kAdd) break;
      operands.push_back(b->rhs);
      first = b;
      n = b->lhs.get();
    }
    if (operands.size() < 2 || error_) return top;
    operands.push_back(first->lhs);
    std::reverse(operands.begin(), operands.end());
    auto chain = std::make_shared<AddChainNode>();
    chain->line = first->line;
    chain->column = first->column;
    chain->operands = std::move(operands);
    return SpecialisedStringChain(std::move(chain));  // `... + string(x) + ...` (string_chain.h)
  }

  NodePtr ParseAdditive() {
    return ParseInfixLevel(&Parser::ParseMultiplicative, {{"+", BinaryOp::kAdd}, {"-", BinaryOp::kSub}});
  }
  NodePtr ParseMultiplicative() {
    return ParseInfixLevel(&Parser::ParseExponent, {{"*", BinaryOp::kMul}, {"/", BinaryOp::kDiv}});
  }
  // Left-associative; unary minus binds tighter (-a ** b is (-a) ** b).
  NodePtr ParseExponent() { return ParseInfixLevel(&Parser::ParseUnary, {{"**", BinaryOp::kPow}}); }

  NodePtr ParseUnary() {
    DepthGuard guard(this);
    if (!guard.ok) return ErrorNode();
    if (PeekPunct("-")) {
      size_t start = Next().start;
      NodePtr operand = ParseUnary();
      // Fold literals so "-5" is the number -5.
      if (auto lit = std::dynamic_pointer_cast<const LiteralNode>(operand); lit && lit->value.is(Type::kNumber)) {
        auto n = Make<LiteralNode>(start);
        n->value = Value::Number(lit->value.number().Negate());
        return n;
      }
      auto n = Make<NegateNode>(start);
      n->operand = operand;
      return n;
    }
    return ParsePostfix();
  }

  NodePtr ParsePostfix() {
    NodePtr target = ParsePrimary();
    for (;;) {
      if (error_) return target;
      Token t = Peek();
      if (t.kind != Tok::kPunct) return target;
      if (t.text == "(") {
        target = ParseCall(target, t.start);
      } else if (t.text == "[" && no_filter_ == 0) {
        Next();
        auto n = Make<FilterNode>(t.start);
        n->target = target;
        PushScope();
        n->item_slot = DeclareLocal("item");
        // A filter over an empty list probes its predicate with the item slot as it was left
        // (stale): a closure around one keeps its whole frame, so the probe reads the same.
        for (Capture* c : captures_) c->whole_frame = true;
        ++filter_depth_;
        int saved_no_filter = no_filter_;
        no_filter_ = 0;
        n->predicate = ParseExpression();
        if (const auto* lit = dynamic_cast<const LiteralNode*>(n->predicate.get()); lit && lit->value.is(Type::kNumber)) {
          n->literal_index = true;
          n->literal_position = lit->value.number().Round(0, RoundingMode::kDown).ToInt64();
          if (const auto* inner = dynamic_cast<const FilterNode*>(n->target.get());
              inner && n->literal_position == 1 && FirstMatchApplies(*inner))
            n->first_of = inner;
        } else if (const auto* r = dynamic_cast<const LocalRefNode*>(n->predicate.get());
                   r && r->shadowable && r->slot != n->item_slot) {
          n->index_slot = r->slot;
          n->index_bit = r->name_bit;
          n->index_name = r->name;
        } else if (const auto* g = dynamic_cast<const GlobalRefNode*>(n->predicate.get()); g && g->shadowable) {
          n->index_slot = g->slot;
          n->index_global = true;
          n->index_bit = g->name_bit;
          n->index_name = g->name;
        } else {
          n->item_test = MakeItemTestPlan(*n->predicate, n->item_slot);
          // (A function body runs on a frame of its own size: no join slot there.)
          if (n->item_test && captures_.empty() && JoinKeyOf(*n->item_test)) joins_.push_back(n);
          IndexWithOffset(*n);  // `sorted[i + 1]` (index_offset.h)
        }
        filters_.push_back(n);
        no_filter_ = saved_no_filter;
        --filter_depth_;
        PopScope();
        ExpectPunct("]");
        target = n;
      } else if (t.text == ".") {
        Next();
        Token nt = Peek();
        if (nt.kind != Tok::kName) {
          Fail("expected a name after '.' but found " + Describe(nt), nt.start);
          return target;
        }
        auto n = Make<PathNode>(t.start);
        n->target = target;
        n->name = ReadPathName();
        n->name_bit = Context::KeyBit(n->name);
        n->Link();
        target = n;
      } else {
        return target;
      }
    }
  }

  // `list[name + k]`, `list[name - k]` (k a nonzero integer literal): the name as index_slot with
  // k as index_offset; anything else leaves `n` as it is.
  static void IndexWithOffset(FilterNode& n) {
    const auto* b = dynamic_cast<const BinaryNode*>(n.predicate.get());
    if (!b || typeid(*b) != typeid(BinaryNode) || (b->op != BinaryOp::kAdd && b->op != BinaryOp::kSub)) return;
    const auto* lit = dynamic_cast<const LiteralNode*>(b->rhs.get());
    if (!lit || !lit->value.is(Type::kNumber)) return;
    const Decimal& k = lit->value.number();
    if (k.exponent() != 0 || k.coefficient() == 0 || k.coefficient() >= static_cast<Uint128>(kMaxIndexOffset)) return;
    const int64_t offset = (k.IsNegative() ? -1 : 1) * static_cast<int64_t>(k.coefficient());
    if (const auto* r = dynamic_cast<const LocalRefNode*>(b->lhs.get()); r && r->shadowable && r->slot != n.item_slot) {
      n.index_slot = r->slot;
      n.index_bit = r->name_bit;
      n.index_name = r->name;
    } else if (const auto* g = dynamic_cast<const GlobalRefNode*>(b->lhs.get()); g && g->shadowable) {
      n.index_slot = g->slot;
      n.index_global = true;
      n.index_bit = g->name_bit;
      n.index_name = g->name;
    } else {
      return;
    }
    n.index_offset = b->op == BinaryOp::kAdd ? offset : -offset;
  }

  // The predicate `p` of the filter with item slot `item_slot` as an ItemTestPlan, or null when
  // no part of it reads the item's fields as an ItemTest can.
  static std::shared_ptr<const ItemTestPlan> MakeItemTestPlan(const Node& p, int item_slot) {
    auto plan = std::make_shared<ItemTestPlan>();
    bool any = false;
    plan->root = MakeItemTest(p, item_slot, *plan, any, /*top=*/true);
    if (!plan->root || !any) return nullptr;
    const ItemTest::Kind k = plan->root->kind;
    plan->one_leaf = k == ItemTest::Kind::kEquality || k == ItemTest::Kind::kOrder || k == ItemTest::Kind::kCall ||
                     k == ItemTest::Kind::kIn;
    plan->shadow_bits |= Context::KeyBit("item");
    plan->shadow_names.push_back("item");
    return plan;
  }
  // `n` as an ItemTest of `plan`; `any`: it has a comparison or call on the item. Only the parts
  // of an `and` / `or` may be other nodes (kNode), evaluated as they are.
  static std::unique_ptr<ItemTest> MakeItemTest(const Node& n, int item_slot, ItemTestPlan& plan, bool& any,
                                                bool top) {
    auto t = std::make_unique<ItemTest>();
    const std::type_info& type = typeid(n);
    if (type == typeid(AndNode) || type == typeid(OrNode) || type == typeid(AndChainNode) ||
        type == typeid(OrChainNode)) {
      const bool is_and = type == typeid(AndNode) || type == typeid(AndChainNode);
      const Node& l = is_and ? *static_cast<const AndNode&>(n).lhs : *static_cast<const OrNode&>(n).lhs;
      const Node& r = is_and ? *static_cast<const AndNode&>(n).rhs : *static_cast<const OrNode&>(n).rhs;
      t->kind = is_and ? ItemTest::Kind::kAnd : ItemTest::Kind::kOr;
      t->lhs = MakeItemTest(l, item_slot, plan, any, false);
      t->rhs = t->lhs ? MakeItemTest(r, item_slot, plan, any, false) : nullptr;
      if (!t->rhs) return nullptr;
      return t;
    }
    if (type == typeid(FastCallNode<1>)) {
      const auto& c = static_cast<const CallNode&>(n);
      if (c.callee_name == "not" && c.fast && c.args.size() == 1) {
        t->kind = ItemTest::Kind::kNot;
        t->call = &c;
        t->lhs = MakeItemTest(*c.args[0], item_slot, plan, any, false);
        if (!t->lhs) return nullptr;
        return t;
      }
    }
    if (MakeItemLeaf(n, item_slot, plan, *t)) {
      any = true;
      return t;
    }
    if (top) return nullptr;
    t->kind = ItemTest::Kind::kNode;
    t->node = &n;
    plan.pure = false;
    return t;
  }
  // A comparison, a two-argument fast built-in or an `in` on the item's field as the leaf `t`.
  static bool MakeItemLeaf(const Node& p, int item_slot, ItemTestPlan& plan, ItemTest& t) {
    const Node* operands[2] = {nullptr, nullptr};
    const std::type_info& type = typeid(p);
    if (type == typeid(EqualNode) || type == typeid(EqualStringNode) || type == typeid(NullTestNode) ||
        type == typeid(OrderNode) || type == typeid(OrderNumberNode) || type == typeid(BinaryNode) ||
        type == typeid(EqualBoolNode)) {
      const auto& b = static_cast<const BinaryNode&>(p);
      if (b.op == BinaryOp::kEq || b.op == BinaryOp::kNe) t.kind = ItemTest::Kind::kEquality;
      else if (b.op == BinaryOp::kLt || b.op == BinaryOp::kLe || b.op == BinaryOp::kGt || b.op == BinaryOp::kGe)
        t.kind = ItemTest::Kind::kOrder;
      else return false;
      t.op = b.op;
      operands[0] = b.lhs.get();
      operands[1] = b.rhs.get();
    } else if (type == typeid(FastCallNode<2>) || type == typeid(StringTestCallNode) ||
               type == typeid(ListContainsCallNode)) {
      const auto& c = static_cast<const CallNode&>(p);
      if (!c.fast || c.args.size() != 2 || !c.arg_names.empty()) return false;
      t.kind = ItemTest::Kind::kCall;
      t.call = &c;
      t.string_test = c.callee_name == "starts with" ? 1 : c.callee_name == "ends with" ? 2 : c.callee_name == "contains" ? 3 : 0;
      operands[0] = c.args[0].get();
      operands[1] = c.args[1].get();
    } else if (type == typeid(InNode) || type == typeid(InStringsNode)) {
      const auto& in = static_cast<const InNode&>(p);
      t.kind = ItemTest::Kind::kIn;
      t.node = in.tests.get();
      operands[0] = in.value.get();
    } else {
      return false;
    }
    // `item` itself: this filter's item slot, read as a name (shadowable by an item entry).
    auto is_item = [&](const Node* n) {
      const auto* r = dynamic_cast<const LocalRefNode*>(n);
      return r && r->shadowable && r->slot == item_slot && r->name == "item";
    };
    // `item.k`: one path step over it.
    auto item_field = [&](const Node* n, const PathNode** field) {
      if (is_item(n)) {
        *field = nullptr;
        return true;
      }
      const auto* path = dynamic_cast<const PathNode*>(n);
      if (!path || path->chain_length != 1 || !is_item(path->target.get())) return false;
      *field = path;
      return true;
    };
    // A literal, a name other than `item`, or one path step over such a name.
    uint64_t name_bit = 0;
    const std::string* name = nullptr;
    auto other = [&](const Node* n) {
      if (const auto* lit = dynamic_cast<const LiteralNode*>(n)) {
        t.literal = &lit->value;
        return true;
      }
      const auto* path = dynamic_cast<const PathNode*>(n);
      if (path) {
        if (path->chain_length != 1) return false;
        n = path->target.get();
      }
      if (const auto* r = dynamic_cast<const LocalRefNode*>(n); r && r->shadowable && r->slot != item_slot) {
        t.slot = r->slot;
        name_bit = r->name_bit;
        name = &r->name;
      } else if (const auto* g = dynamic_cast<const GlobalRefNode*>(n); g && g->shadowable) {
        t.global = true;
        t.slot = g->slot;
        name_bit = g->name_bit;
        name = &g->name;
      } else {
        return false;
      }
      t.name_path = path;
      return true;
    };
    if (t.kind == ItemTest::Kind::kIn) {
      if (!item_field(operands[0], &t.field)) return false;
    } else if (item_field(operands[0], &t.field) && other(operands[1])) {
      t.item_first = true;
    } else if (item_field(operands[1], &t.field) && other(operands[0])) {
      t.item_first = false;
    } else {
      return false;
    }
    if (t.kind != ItemTest::Kind::kIn) {
      if (plan.others.size() == ItemTestPlan::kMaxOthers) return false;
      t.other = plan.others.size();
      plan.others.push_back(&t);
      plan.shadow_bits |= name_bit;
      if (name && std::find(plan.shadow_names.begin(), plan.shadow_names.end(), *name) == plan.shadow_names.end())
        plan.shadow_names.push_back(*name);
    } else {
      plan.pure = false;
    }
    if (t.field) plan.reads_fields = true;
    return true;
  }

  // After '.', names are keys of whatever value is there: join plain words greedily.
  std::string ReadPathName() {
    Token first = Next();
    std::string name(first.text);
    for (;;) {
      Token t = Peek();
      if (t.kind != Tok::kName || IsKeyword(t.text)) break;
      name += ' ';
      name += t.text;
      Next();
    }
    return name;
  }

  // Is the text at the current position `words :` (a named argument)?
  bool AtNamedArgument() const {
    size_t p = pos_;
    Token t = LexAt(p);
    if (t.kind != Tok::kName) return false;
    while (t.kind == Tok::kName) {
      p = t.end;
      t = LexAt(p);
    }
    return t.kind == Tok::kPunct && t.text == ":";
  }

  NodePtr ParseCall(NodePtr callee, size_t start) {
    Next();  // (
    auto n = Make<CallNode>(start);
    if (auto ref = std::dynamic_pointer_cast<const DynamicRefNode>(callee)) {
      if (const FunctionPtr* b = FindBuiltin(ref->name)) n->builtin = *b;
      n->callee_name = ref->name;
    }
    if (!n->builtin) n->callee = callee;
    if (!EatPunct(")")) {
      bool named = AtNamedArgument();
      do {
        if (named) {
          std::string name = ReadParamName();
          ExpectPunct(":");
          n->arg_names.push_back(name);
        }
        n->args.push_back(ParseExpression());
      } while (!error_ && EatPunct(","));
      ExpectPunct(")");
    }
    if (n->builtin && n->arg_names.empty()) {
      n->fast = FindFastBuiltin(n->callee_name, n->args.size());
      if (const auto* b = dynamic_cast<const BuiltinFunction*>(n->builtin.get())) n->impl = b->Resolve(n->args.size());
    }
    if (n->fast && n->callee_name == "index of") n->indexed = 1;
    if (n->fast && n->callee_name == "list contains") n->indexed = 2;
    if (n->fast) {
      if (n->args.size() == 1) return Respecialised<FastCallNode<1>>(*n);
      if (auto t = SpecialisedStringTest(*n)) return t;  // `starts with(s, "text")`: condition_shapes.h
      if (auto t = SpecialisedListContains(*n)) return t;  // `list contains(l, "text")`: the same
      return Respecialised<FastCallNode<2>>(*n);  // FindFastBuiltin: arity 1 or 2
    }
    if (n->impl && n->callee_name == "context put" && n->args.size() == 3 && n->arg_names.empty())
      return Respecialised<ContextPutNode>(*n);
    if (auto list = SpecialisedListCall(*n)) return list;  // list_calls.h
    if (auto sort = SpecialisedSort(*n)) return sort;  // user_call.h
    if (auto user = SpecialisedUserCall(*n)) return user;
    return n;
  }

  NodePtr ParseName() {
    Token t = Peek();
    std::string name = ReadName();
    if (name == "?" && in_unary_tests_) {
      auto n = Make<LocalRefNode>(t.start);
      n->slot = input_slot_;
      n->name = "?";
      n->name_bit = Context::KeyBit(n->name);
      n->direct = Node::Direct::kLocal;
      n->direct_slot = n->slot;
      uses_input_ = true;
      NoteLocal(n->slot);
      return n;
    }
    if (auto slot = FindLocal(name)) {
      if (name == "partial") ++partial_refs_;
      auto n = Make<LocalRefNode>(t.start);
      n->slot = *slot;
      n->name = name;
      n->name_bit = Context::KeyBit(name);
      n->shadowable = filter_depth_ > 0;
      n->direct = n->shadowable ? Node::Direct::kShadowedLocal : Node::Direct::kLocal;
      n->direct_slot = n->slot;
      NoteLocal(n->slot);
      return n;
    }
    if (auto slot = scope_.Find(name)) {
      auto n = Make<GlobalRefNode>(t.start);
      n->slot = *slot;
      n->name = name;
      n->name_bit = Context::KeyBit(name);
      n->shadowable = filter_depth_ > 0;
      n->direct = n->shadowable ? Node::Direct::kShadowedGlobal : Node::Direct::kGlobal;
      n->direct_slot = n->slot;
      NoteGlobal(n->slot);
      return n;
    }
    // Built-in function names and unknown names: resolved at run time (a built-in called
    // directly is bound in ParseCall).
    auto n = Make<DynamicRefNode>(t.start);
    n->name = name;
    return n;
  }

  NodePtr ParsePrimary() {
    DepthGuard guard(this);
    if (!guard.ok || error_) return ErrorNode();
    Token t = Peek();
    switch (t.kind) {
      case Tok::kEnd:
        Fail("unexpected end of expression", t.start);
        return ErrorNode();
      case Tok::kError:
        Fail(std::string(t.text), t.start);
        return ErrorNode();
      case Tok::kNumber: {
        Next();
        auto n = Make<LiteralNode>(t.start);
        auto d = Decimal::FromString(t.text);
        if (!d) {
          Fail("invalid number '" + std::string(t.text.substr(0, 40)) + "'", t.start);
          return ErrorNode();
        }
        n->value = Value::Number(*d);
        return n;
      }
      case Tok::kString: {
        Next();
        auto n = Make<LiteralNode>(t.start);
        auto s = Unescape(t.text.substr(1, t.text.size() - 2), t.start);
        n->value = MakeImmortal(Value::String(std::move(s)));  // a constant: copies count nothing
        return n;
      }
      case Tok::kName: {
        if (t.text == "true" || t.text == "false") {
          Next();
          auto n = Make<LiteralNode>(t.start);
          n->value = Value::Bool(t.text == "true");
          return n;
        }
        if (t.text == "null") {
          Next();
          return Make<LiteralNode>(t.start);
        }
        if (t.text == "if" || t.text == "for" || t.text == "some" || t.text == "every" || t.text == "function")
          return ParseExpression();
        if (IsKeyword(t.text) && t.text != "?") {
          Fail("unexpected '" + std::string(t.text) + "'", t.start);
          return ErrorNode();
        }
        return ParseName();
      }
      case Tok::kPunct:
        break;
    }
    if (t.text == "(") {
      Next();
      if (PeekPunct("=") || PeekPunct("!=")) {
        // So are `(= 10)` and `(!= 10)`, in parentheses only: `1 = = 2` stays an error (DMN 1.5
        // §10.3.2.7; DMN TCK 0068-feel-equality range_011, 0074-feel-properties range_011).
        NodePtr range = ParsePositiveUnaryTest(/*as_range=*/true);
        ExpectPunct(")");
        return range;
      }
      NodePtr inner = ParseExpression();
      if (EatPunct("..")) return FinishRange(inner, false, t.start);
      ExpectPunct(")");
      return inner;
    }
    if (t.text == "[") {
      Next();
      auto list = Make<ListNode>(t.start);
      if (EatPunct("]")) return FoldList(list);
      NodePtr first = ParseExpression();
      if (EatPunct("..")) return FinishRange(first, true, t.start);
      list->items.push_back(first);
      while (!error_ && EatPunct(",")) list->items.push_back(ParseExpression());
      ExpectPunct("]");
      return FoldList(list);
    }
    if (t.text == "]") {
      Next();
      NodePtr low = ParseExpression();
      ExpectPunct("..");
      return FinishRange(low, false, t.start);
    }
    if (t.text == "{") return ParseContext();
    if (t.text == "@") {
      Next();
      Token s = Peek();
      if (s.kind != Tok::kString) {
        Fail("expected a string after '@'", s.start);
        return ErrorNode();
      }
      Next();
      std::string text = Unescape(s.text.substr(1, s.text.size() - 2), s.start);
      auto n = Make<LiteralNode>(t.start);
      n->value = ParseTemporalLiteral(text);
      if (n->value.is_null()) Fail("invalid temporal literal @\"" + text.substr(0, 60) + "\"", t.start);
      return n;
    }
    if (t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">=") {
      // A unary comparison used as a value is a range: `< 10` is (null..10).
      return ParsePositiveUnaryTest();
    }

    Fail("unexpected '" + std::string(t.text) + "'", t.start);
    return ErrorNode();
  }

  NodePtr FinishRange(NodePtr low, bool low_closed, size_t start) {
    auto n = Make<RangeNode>(start);
    n->low = low;
    n->low_closed = low_closed;
    ++no_filter_;
    n->high = ParseExpression();
    --no_filter_;
    Token close = Peek();
    if (close.kind == Tok::kPunct && (close.text == "]" || close.text == ")" || close.text == "[")) {
      Next();
      n->high_closed = close.text == "]";
    } else {
      Fail("expected ']', ')' or '[' to close the range but found " + Describe(close), close.start);
    }
    return n;
  }

  NodePtr ParseContext() {
    size_t start = Next().start;  // {
    auto n = Make<ContextNode>(start);
    PushScope();
    if (!EatPunct("}")) {
      do {
        Token k = Peek();
        std::string key;
        if (k.kind == Tok::kString) {
          Next();
          key = Unescape(k.text.substr(1, k.text.size() - 2), k.start);
        } else if (k.kind == Tok::kName) {
          key = ReadContextKey();
        } else {
          Fail("expected a context key but found " + Describe(k), k.start);
          break;
        }
        ExpectPunct(":");
        for (const auto& e : n->entries)
          if (e.key == key) Fail("duplicate context key '" + key + "'", k.start);
        ContextEntryNode entry;
        entry.key = key;
        if (PeekWord("function")) {
          // Declared first so the function can call itself by its entry name.
          entry.slot = DeclareLocal(key);
          entry.value = ParseExpression();
          if (auto def = std::dynamic_pointer_cast<const FunctionDefNode>(entry.value))
            const_cast<FunctionDefNode&>(*def).self_slot = entry.slot;
        } else {
          entry.value = ParseExpression();
          entry.slot = DeclareLocal(key);
        }
        n->entries.push_back(std::move(entry));
      } while (!error_ && EatPunct(","));
      ExpectPunct("}");
    }
    PopScope();
    contexts_.push_back(n);
    if (!error_) {
      std::vector<std::string> keys;
      keys.reserve(n->entries.size());
      for (const auto& e : n->entries) keys.push_back(e.key);
      n->shape = ContextShape::Intern(keys);
    }
    return FoldContext(n);
  }

  // A list or context literal whose members are all literals is built once here: evaluating it
  // would give an equal, immutable value every time (the knowledge's lookup tables, `[0]`).
  NodePtr FoldList(const std::shared_ptr<ListNode>& list) {
    List items;
    items.reserve(list->items.size());
    for (const auto& i : list->items) {
      const auto* lit = dynamic_cast<const LiteralNode*>(i.get());
      if (!lit) return list;
      items.push_back(lit->value);
    }
    auto n = std::make_shared<LiteralNode>();
    n->line = list->line;
    n->column = list->column;
    n->value = MakeImmortal(Value::FromList(std::move(items)));
    return n;
  }
  NodePtr FoldContext(const std::shared_ptr<ContextNode>& ctx) {
    Context c(ctx->shape);
    c.Reserve(ctx->entries.size());
    for (const auto& e : ctx->entries) {
      const auto* lit = dynamic_cast<const LiteralNode*>(e.value.get());
      if (!lit) return ctx;
      if (ctx->shape) c.AppendValue(lit->value);
      else c.Append(e.key, lit->value);  // keys are distinct (duplicates fail above)
    }
    auto n = std::make_shared<LiteralNode>();
    n->line = ctx->line;
    n->column = ctx->column;
    n->value = MakeImmortal(Value::FromContext(std::move(c)));
    return n;
  }

  // Context keys: the raw text up to ':' with whitespace runs folded.
  std::string ReadContextKey() {
    SkipSpace(pos_);
    size_t start = pos_;
    size_t end = start;
    while (end < src_.size() && src_[end] != ':' && src_[end] != ',' && src_[end] != '}' && src_[end] != '{') ++end;
    std::string raw(src_.substr(start, end - start));
    std::string key;
    bool space = false;
    for (char c : raw) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        space = !key.empty();
        continue;
      }
      if (space) key += ' ';
      space = false;
      key += c;
    }
    pos_ = end;
    return key;
  }

  // The character a one-letter escape stands for: the literal writer's escapes, and \b, \f, \'.
  static std::optional<char> UnescapedChar(char letter) {
    for (const common::Escape& e : kFeelStringEscapes)
      if (e.escaped[1] == letter) return e.plain;
    switch (letter) {
      case 'b': return '\b';
      case 'f': return '\f';
      case '\'': return '\'';
      default: return std::nullopt;
    }
  }

  std::string Unescape(std::string_view s, size_t pos) {
    std::string out;
    out.reserve(s.size());
    auto hex = [&](size_t at, size_t n) -> std::optional<uint32_t> {
      if (at + n > s.size()) return std::nullopt;
      uint32_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        char c = s[at + i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
        else return std::nullopt;
      }
      return v;
    };
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\' || i + 1 >= s.size()) {
        out += s[i];
        continue;
      }
      char e = s[++i];
      if (auto plain = UnescapedChar(e)) {
        out += *plain;
        continue;
      }
      switch (e) {
        case 'u': {
          auto v = hex(i + 1, 4);
          if (!v) {
            Fail("invalid \\u escape", pos);
            return out;
          }
          i += 4;
          uint32_t cp = *v;
          // Surrogate pair written as two \u escapes.
          if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < s.size() + 0 && s[i + 1] == '\\' && s[i + 2] == 'u') {
            auto lo = hex(i + 3, 4);
            if (lo && *lo >= 0xDC00 && *lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
              i += 6;
            }
          }
          AppendUtf8(out, cp);
          break;
        }
        case 'U': {
          auto v = hex(i + 1, 6);
          if (!v || *v > 0x10FFFF) {
            Fail("invalid \\U escape", pos);
            return out;
          }
          i += 6;
          AppendUtf8(out, *v);
          break;
        }
        default:
          out += '\\';
          out += e;
      }
    }
    return out;
  }

  static Value ParseTemporalLiteral(const std::string& text) {
    if (!text.empty() && (text[0] == 'P' || (text.size() > 1 && text[0] == '-' && text[1] == 'P'))) {
      if (auto d = ParseDaysTimeDuration(text)) return Value::Duration(*d);
      if (auto d = ParseYearsMonthsDuration(text)) return Value::Duration(*d);
      return Value();
    }
    // A time first: its zone id may contain a 'T' ("23:00:50@Etc/GMT").
    if (text.size() > 2 && text[2] == ':') {
      if (auto t = ParseTime(text)) return Value::FromTime(*t);
      return Value();
    }
    if (text.find('T') != std::string::npos) {
      if (auto dt = ParseDateTime(text)) return Value::FromDateTime(*dt);
      return Value();
    }
    if (auto d = ParseDate(text)) return Value::FromDate(*d);
    return Value();
  }

  // ---- unary tests ---------------------------------------------------------------------------
  NodePtr ParseUnaryTests() {
    Token t = Peek();
    if (t.kind == Tok::kPunct && t.text == "-") {
      Token after = LexAt(t.end);
      if (after.kind == Tok::kEnd) {
        Next();
        return Make<DashTestNode>(t.start);
      }
    }
    if (t.kind == Tok::kName && t.text == "not") {
      Token paren = LexAt(t.end);
      if (paren.kind == Tok::kPunct && paren.text == "(") {
        // not(tests) — unless it is `not(x) = y` style expression; decide by what follows ')'.
        size_t saved = pos_;
        Next();
        Next();
        auto n = Make<NotTestNode>(t.start);
        n->tests = ParsePositiveUnaryTests();
        if (!error_ && EatPunct(")") && Peek().kind == Tok::kEnd) return n;
        // Not a negated test list after all: parse as ordinary tests.
        pos_ = saved;
        error_.reset();
      }
    }
    return ParsePositiveUnaryTests();
  }

  NodePtr ParsePositiveUnaryTests() {
    auto any = Make<AnyTestNode>(pos_);
    do {
      any->tests.push_back(ParsePositiveUnaryTest());
    } while (!error_ && EatPunct(","));
    if (any->tests.size() == 1) return any->tests[0];
    return any;
  }

  // `as_range`: the test is written as a value, where `= 10` and `!= 10` are ranges too.
  NodePtr ParsePositiveUnaryTest(bool as_range = false) {
    DepthGuard guard(this);
    if (!guard.ok) return ErrorNode();
    Token t = Peek();
    if (t.kind == Tok::kPunct && (t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">=" ||
                                  t.text == "=" || t.text == "!=")) {
      Next();
      auto n = Make<CompareTestNode>(t.start);
      n->op = t.text == "<"    ? BinaryOp::kLt
              : t.text == "<=" ? BinaryOp::kLe
              : t.text == ">"  ? BinaryOp::kGt
              : t.text == ">=" ? BinaryOp::kGe
              : t.text == "="  ? BinaryOp::kEq
                               : BinaryOp::kNe;
      n->operand = ParseAdditive();
      n->as_range = as_range;
      return n;
    }
    auto n = Make<ExpressionTestNode>(t.start);
    bool saved_uses = uses_input_;
    uses_input_ = false;
    n->expr = ParseExpression();
    n->uses_input = uses_input_;
    n->input_slot = input_slot_;
    uses_input_ = saved_uses || uses_input_;
    return n;
  }

  std::string_view src_;
  const Scope& scope_;
  const CompileOptions& options_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::optional<ParseError> error_;
  std::unordered_map<unsigned char, std::vector<const std::string*>> known_;  // the scope's names
  std::vector<std::vector<std::pair<std::string, int>>> locals_;
  int next_local_ = 0;
  int partial_refs_ = 0;  // references to a `for`'s `partial` so far
  int max_locals_ = 0;
  mutable size_t lc_pos_ = 0;
  mutable int lc_line_ = 1;
  mutable int lc_col_ = 1;
  int filter_depth_ = 0;
  int no_filter_ = 0;  // inside a range's upper endpoint, '[' closes the range
  bool in_unary_tests_ = false;
  int input_slot_ = -1;
  bool uses_input_ = false;
  std::vector<Capture*> captures_;  // the function definitions being read, outermost first
  std::set<int> read_locals_;  // the local slots that some name reads
  std::vector<std::shared_ptr<FilterNode>> filters_;  // every filter read (see Finish)
  std::vector<std::shared_ptr<FilterNode>> joins_;  // the filters given a join slot (see Finish)
  std::vector<std::shared_ptr<ForNode>> fors_;  // every `for` read (see Finish)
  std::vector<std::shared_ptr<ContextNode>> contexts_;  // every context literal read (see Finish)
};

}  // namespace

tl::expected<std::shared_ptr<const Root>, Diagnostic> ParseExpressionText(std::string_view text, const Scope& scope,
                                                                        const CompileOptions& options) {
  Parser p(text, scope, options);
  return p.ParseExpressionRoot();
}

tl::expected<std::shared_ptr<const Root>, Diagnostic> ParseUnaryTestsText(std::string_view text, const Scope& scope,
                                                                        const CompileOptions& options) {
  Parser p(text, scope, options);
  return p.ParseUnaryTestsRoot();
}

}  // namespace internal
}  // namespace zebra::feel
