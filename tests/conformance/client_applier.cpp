#include "client_applier.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <stdexcept>

namespace lvt::testing {

ClientApplier::ClientApplier() {
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("pipe failed");
  child_ = fork();
  if (child_ < 0) throw std::runtime_error("fork failed");
  if (child_ == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    close(to_child[1]);
    close(from_child[0]);
    execlp(LVT_NODE_PROGRAM, LVT_NODE_PROGRAM, LVT_CONFORMANCE_SCRIPT, LVT_CLIENT_DIR,
           static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  to_child_ = fdopen(to_child[1], "w");
  from_child_ = fdopen(from_child[0], "r");
}

ClientApplier::~ClientApplier() {
  if (to_child_) std::fclose(to_child_);  // EOF ends the child's read loop
  if (from_child_) std::fclose(from_child_);
  if (child_ > 0) {
    int status = 0;
    if (waitpid(child_, &status, WNOHANG) == 0) {
      kill(child_, SIGTERM);
      waitpid(child_, &status, 0);
    }
  }
}

nlohmann::json ClientApplier::call(const nlohmann::json& command) {
  const std::string line = command.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), to_child_) != line.size() ||
      std::fflush(to_child_) != 0) {
    throw std::runtime_error("the Node applier is gone");
  }
  char* buffer = nullptr;
  std::size_t capacity = 0;
  const ssize_t length = getline(&buffer, &capacity, from_child_);
  std::string answer = length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : "";
  std::free(buffer);
  if (answer.empty()) throw std::runtime_error("the Node applier did not answer");
  return nlohmann::json::parse(answer);
}

ClientHtml ClientApplier::apply(std::uint64_t connection, const nlohmann::json& tree) {
  const auto answer = call({{"op", "apply"}, {"id", connection}, {"tree", tree}});
  return {answer.at("html").get<std::string>(), answer.at("targeted").get<std::string>()};
}

void ClientApplier::forget(std::uint64_t connection) {
  call({{"op", "forget"}, {"id", connection}});
}

ClientApplier& shared_client() {
  static ClientApplier applier;
  return applier;
}

std::uint64_t next_client_id() {
  static std::uint64_t id = 0;
  return ++id;
}

}  // namespace lvt::testing
